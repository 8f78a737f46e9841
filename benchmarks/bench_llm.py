"""Throughput of LLMTextGenerator under a rate limit, beside a sequential loop.

Both run against the fake OpenAI-compatible server of the tests
(``tests/llm/fake_server.py``) on 127.0.0.1, which answers every request
after a fixed latency. The sequential loop is what a user writes by hand: one
``client.chat.completions.create`` call after another with the official SDK.
The generator sends the same number of requests concurrently within
``requests_per_second``; the goal is a throughput within 10% of that limit.
Nothing leaves the machine and nothing is paid. Run from the repository
root::

    python benchmarks/bench_llm.py --samples 1000 --latency 0.05 --rate 20
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import openai  # noqa: E402

from genesis.generators.text import LLMTextGenerator  # noqa: E402
from tests.llm.fake_server import FakeLLMServer  # noqa: E402

API_KEY = "sk-benchmark"
MODEL = "gpt-4o-mini"
PROMPT = "A short note about a garden"


def sequential(server: FakeLLMServer, samples: int) -> float:
    """Seconds for ``samples`` SDK calls made one after another."""
    client = openai.OpenAI(api_key=API_KEY, base_url=server.url + "/v1", max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    client.chat.completions.create(model=MODEL, messages=messages)
    started = time.perf_counter()
    for _ in range(samples):
        client.chat.completions.create(model=MODEL, messages=messages)
    return time.perf_counter() - started


def with_generator(
    server: FakeLLMServer, samples: int, rate: float, concurrency: int, cache_dir: Path
) -> tuple[float, int]:
    """Seconds for ``samples`` texts from LLMTextGenerator, and requests sent."""
    generator = LLMTextGenerator(
        "openai",
        MODEL,
        api_key=API_KEY,
        base_url=server.url + "/v1",
        requests_per_second=rate,
        max_concurrency=concurrency,
        cache_dir=cache_dir,
    )
    generator.generate(1, "Warm-up", progress=False)
    started = time.perf_counter()
    texts = generator.generate(samples, PROMPT, progress=False)
    elapsed = time.perf_counter() - started
    if len(texts) != samples:
        raise RuntimeError(f"only {len(texts)} of {samples} samples came back")
    return elapsed, texts.summary.requests_sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds")
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[20.0], help="requests/s limits"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    rows = []
    with FakeLLMServer(latency_s=args.latency) as server:
        if not args.skip_sequential:
            seconds = sequential(server, args.samples)
            rows.append(
                {
                    "run": "sequential SDK loop",
                    "limit": None,
                    "seconds": seconds,
                    "requests": args.samples,
                }
            )
        for rate in args.rate:
            with tempfile.TemporaryDirectory() as cache_dir:
                seconds, sent = with_generator(
                    server, args.samples, rate, args.concurrency, Path(cache_dir)
                )
            rows.append(
                {
                    "run": f"LLMTextGenerator, {args.concurrency} threads",
                    "limit": rate,
                    "seconds": seconds,
                    "requests": sent,
                }
            )

    print(
        f"{args.samples} samples, fake server latency {args.latency * 1000:.0f} ms, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'run':<32} {'limit/s':>8} {'wall s':>8} {'req/s':>8} {'of limit':>9}")
    for row in rows:
        row["requests_per_s"] = row["requests"] / row["seconds"]
        share = f"{row['requests_per_s'] / row['limit']:.1%}" if row["limit"] else "-"
        limit = f"{row['limit']:g}" if row["limit"] else "-"
        print(
            f"{row['run']:<32} {limit:>8} {row['seconds']:>8.1f} "
            f"{row['requests_per_s']:>8.2f} {share:>9}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
