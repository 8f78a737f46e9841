"""The huggingface provider: a tiny local transformers model, and a hosted endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesis.errors import InvalidConfigError
from genesis.generators.text import LLMTextGenerator
from tests.llm.conftest import API_KEY
from tests.llm.fake_server import WORDS, FakeLLMServer, Misbehave

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
torch = pytest.importorskip("torch")

SPECIAL_TOKENS = ["[UNK]", "[PAD]", "[EOS]"]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised two-layer GPT-2 with a word-level tokenizer, on disk."""
    folder = tmp_path_factory.mktemp("tiny-gpt2")
    vocabulary = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *WORDS])}
    word_level = tokenizers.Tokenizer(
        tokenizers.models.WordLevel(vocabulary, unk_token="[UNK]")
    )
    word_level.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    word_level.decoder = tokenizers.decoders.WordPiece()
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=word_level,
        unk_token="[UNK]",
        pad_token="[PAD]",
        eos_token="[EOS]",
    )
    tokenizer.save_pretrained(folder)
    config = transformers.GPT2Config(
        vocab_size=len(vocabulary),
        n_positions=512,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=vocabulary["[EOS]"],
        eos_token_id=vocabulary["[EOS]"],
        pad_token_id=vocabulary["[PAD]"],
    )
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config)
    # Lean the last layer towards [EOS], so that about half the answers end
    # within a dozen words: an answer cut at max_tokens is refused as
    # truncated, and a random model would almost never end one.
    with torch.no_grad():
        end = model.transformer.wte.weight[vocabulary["[EOS]"]]
        model.transformer.ln_f.bias.copy_(15.0 * end / end.norm())
    model.save_pretrained(folder)
    return folder


def test_local_model_generates_texts_of_the_asked_length(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    generator = LLMTextGenerator(
        "huggingface",
        str(tiny_model_dir),
        seed=3,
        max_tokens=12,
        max_attempts=5,
        cache_dir=tmp_path,
    )
    texts = generator.generate(
        4, "river stone garden", {"length": (3, 12)}, progress=False
    )

    assert generator.max_concurrency == 1
    assert len(texts) == 4
    assert all(3 <= len(text.split()) <= 12 for text in texts)
    assert all(word in WORDS for text in texts for word in text.split())
    assert texts.summary.output_tokens >= sum(len(text.split()) for text in texts)
    assert texts.summary.estimated_cost_usd is None


def test_local_model_is_reproducible_with_a_seed(tiny_model_dir: Path) -> None:
    def run(seed: int) -> list[str]:
        generator = LLMTextGenerator(
            "huggingface", str(tiny_model_dir), seed=seed, max_tokens=40, cache=False
        )
        return list(generator.generate(3, "river stone", progress=False))

    first, again, other = run(5), run(5), run(6)

    assert len(first) == 3
    assert first == again
    assert first != other


def test_hosted_endpoint_is_reached_through_inference_client(tmp_path: Path) -> None:
    with FakeLLMServer() as fake:
        fake.plan.extend([Misbehave(status=429, headers={"Retry-After": "0.2"})])
        generator = LLMTextGenerator(
            "huggingface",
            "tgi",
            api_key=API_KEY,
            base_url=fake.url,
            cache_dir=tmp_path,
            backoff_s=0.01,
        )
        texts = generator.generate(3, "A note", {"length": (5, 40)}, progress=False)

    assert len(texts) == 3
    assert fake.count == 4
    assert texts.summary.retries == 1
    assert fake.received[-1].path == "/v1/chat/completions"
    assert fake.received[-1].authorization == f"Bearer {API_KEY}"
    assert texts.summary.output_tokens == 3 * 20


def test_hub_model_without_token_fails_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(InvalidConfigError, match="HF_TOKEN"):
        LLMTextGenerator("huggingface", "mistralai/Mistral-7B-Instruct-v0.3")
