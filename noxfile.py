"""Sessions: demo, tests (all installed), tests_core (core alone), lint, bench."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests", "tests_core", "tests_jax", "tests_judge"]
nox.options.default_venv_backend = "venv"

CONSTRAINTS = ("-c", "constraints/test.txt")
CORE = "./packages/genesis-core[report,parquet]"
# Every extra, for the session that tests everything.
CORE_ALL = "./packages/genesis-core[report,parquet,distributed,ml]"
TORCH = "./packages/genesis-torch"
JAX = "./packages/genesis-jax"
LLM = "./packages/genesis-llm[openai,anthropic,huggingface]"
TEST_PLUGINS = (
    "./tests/plugins/genesis-example-plugin",
    "./tests/plugins/genesis-broken-plugin",
)
TEST_TOOLS = ("pytest>=8", "pytest-timeout")
PYTEST_ARGS = ("-ra", "--timeout=900", "-p", "no:cacheprovider")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite with every distribution installed."""
    session.install(*CONSTRAINTS, CORE_ALL, TORCH, JAX, LLM, *TEST_PLUGINS, *TEST_TOOLS)
    session.run("pytest", *PYTEST_ARGS, *session.posargs, "tests")


@nox.session
def tests_core(session: nox.Session) -> None:
    """The core alone: it imports and works with no torch, jax or transformers."""
    session.install(*CONSTRAINTS, CORE, *TEST_PLUGINS, *TEST_TOOLS)
    session.run(
        "python",
        "-c",
        "import importlib.util as u, sys; "
        "found = [m for m in ('torch', 'jax', 'transformers') if u.find_spec(m)]; "
        "sys.exit(f'core-only session has {found} installed' if found else 0)",
    )
    session.run(
        "pytest", *PYTEST_ARGS, *session.posargs, "tests/core", "tests/integration"
    )


@nox.session
def tests_jax(session: nox.Session) -> None:
    """The core with jax alone (no torch): CTGAN, TVAE, TimeGAN and the scores."""
    session.install(*CONSTRAINTS, CORE, JAX, *TEST_PLUGINS, *TEST_TOOLS)
    session.run(
        "python",
        "-c",
        "import importlib.util as u, sys; "
        "sys.exit('jax-only session has torch installed' if u.find_spec('torch') "
        "else 0)",
    )
    session.run(
        "pytest",
        *PYTEST_ARGS,
        *session.posargs,
        "tests/jax",
        "tests/backends",
        "tests/core",
        "tests/integration",
    )


@nox.session
def tests_judge(session: nox.Session) -> None:
    """Our column-shape and pair-trend scores beside sdmetrics', the neutral judge."""
    session.install(*CONSTRAINTS, CORE, "sdmetrics==0.32.0", *TEST_TOOLS)
    session.run(
        "pytest",
        *PYTEST_ARGS,
        *session.posargs,
        "tests/core/test_evaluation.py",
        "-k",
        "sdmetrics",
    )


@nox.session
def demo(session: nox.Session) -> None:
    """The README's first command: install the core and run the demo."""
    session.install(*CONSTRAINTS, "./packages/genesis-core[report]")
    session.run("genesis", "demo", "--output-dir", str(session.create_tmp()))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks against SDV (not part of CI's pass/fail)."""
    session.install(*CONSTRAINTS, "torch==2.13.0")
    session.install("sdv", "ctgan", "copulas", "sdmetrics", "scikit-learn")
    session.install(*CONSTRAINTS, "jax", "flax", "optax")
    session.install("--no-deps", CORE, TORCH, JAX)
    session.install(*CONSTRAINTS, "pyarrow>=14", "dask[dataframe]>=2024.1")
    session.install(*CONSTRAINTS, "distributed>=2024.1")
    session.run("python", "benchmarks/bench_copula.py", *session.posargs)
    session.run("python", "benchmarks/bench_ctgan_tvae.py", *session.posargs)
    session.run("python", "benchmarks/bench_large.py", *session.posargs)
    session.run(
        "python",
        "benchmarks/bench_timegan.py",
        *session.posargs,
        env={
            "OMP_NUM_THREADS": "1",
            "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
        },
    )
    session.install("--no-deps", "./packages/genesis-llm")
    session.install("openai")
    session.run("python", "benchmarks/bench_llm.py", *session.posargs)
