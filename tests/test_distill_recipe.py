"""distill: loss terms, masking, student init, data, training loop, resume and DDP (tiny models)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForQuestionAnswering,
    BertModel,
    DistilBertForMaskedLM,
)

from distill import cli
from distill.data import collate, epoch_batches, mlm_items
from distill.losses import (
    hidden_cosine,
    mask_logits,
    masked_lm_ce,
    soft_target_kl,
    span_ce,
    weighted_sum,
)
from distill.masking import Masker, token_probabilities
from distill.objectives import MLMDistillation, SpanObjective
from distill.runlog import read_log
from distill.student_init import default_layers, init_student

REPO = Path(__file__).resolve().parents[1]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = (
    "the a of in on and is was to where what who when did does which cat dog mat park sat ran "
    "red blue green house river city paris london france england capital king queen bread "
    "baker bakes built bridge year old tree garden sun moon star light night day water fire "
    "? . , 1999 2001 12 ate fish bird flew sky"
).split()
LETTERS = list("abcdefghijklmnopqrstuvwxyz0123456789")
VOCAB = SPECIALS + WORDS + LETTERS + [f"##{c}" for c in LETTERS]

FACTS = [
    ("the cat sat on the red mat in the garden .", "where did the cat sit ?", "the red mat"),
    ("the dog ran to the river at night .", "where did the dog run ?", "the river"),
    (
        "paris is the capital of france and london of england .",
        "what is the capital of france ?",
        "paris",
    ),
    ("the baker bakes bread in the old house .", "who bakes bread ?", "the baker"),
    ("the bridge was built in 1999 by the king .", "when was the bridge built ?", "1999"),
    ("the bird flew to the sky and ate a fish .", "what did the bird eat ?", "a fish"),
    ("the queen sat in the green garden on a sun day .", "who sat in the garden ?", "the queen"),
    ("water ran in the blue river of the city .", "what ran in the river ?", "water"),
]


@pytest.fixture(autouse=True)
def _no_tensorflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """cli.main sets USE_TF=0 for its process; keep that from leaking into other tests."""
    monkeypatch.setenv("USE_TF", "0")


def _tokenizer_files(folder: Path) -> None:
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))


def _bert_config(layers: int = 4) -> BertConfig:
    return BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )


def _save(model: torch.nn.Module, folder: Path) -> Path:
    model.save_pretrained(folder)
    _tokenizer_files(folder)
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Tiny random teachers: BERT-MLM (4 layers), BERT-QA (4 layers)."""
    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    return SimpleNamespace(
        mlm=_save(BertForMaskedLM(_bert_config()), root / "bert-mlm"),
        qa=_save(BertForQuestionAnswering(_bert_config()), root / "bert-qa"),
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("data")
    paragraphs = []
    for i, (context, question, answer) in enumerate(FACTS):
        qas = [
            {
                "id": f"q{i}",
                "question": question,
                "answers": [{"text": answer, "answer_start": context.index(answer)}],
            }
        ]
        if i % 4 == 0:
            qas.append(
                {
                    "id": f"q{i}x",
                    "question": "what did the moon eat ?",
                    "answers": [],
                    "is_impossible": True,
                }
            )
        paragraphs.append({"context": context, "qas": qas})
    squad = root / "train.json"
    squad.write_text(
        json.dumps({"version": "v2.0", "data": [{"title": "t", "paragraphs": paragraphs}]})
    )
    text = root / "text.txt"
    text.write_text("\n".join(f"{c} {q} {a} ." for c, q, a in FACTS) + "\n\n")
    return SimpleNamespace(squad=squad, text=text)


def _cli(command: str) -> int:
    """Run ``qa-distill`` in-process on a command line (paths here have no spaces)."""
    return cli.main(command.split())


QA_WINDOWS = "--max-seq-len 96 --doc-stride 16 --max-query-len 12"


# ---------------------------------------------------------------- losses: hand computations


def test_soft_target_kl_matches_hand_computation() -> None:
    s = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = torch.tensor([[0.5, 1.5, 1.0], [2.0, 0.0, 1.0]])
    temp = 2.0
    expected = 0.0
    for srow, trow in zip(s.tolist(), t.tolist(), strict=True):
        zs = sum(math.exp(v / temp) for v in srow)
        zt = sum(math.exp(v / temp) for v in trow)
        for sv, tv in zip(srow, trow, strict=True):
            p, q = math.exp(tv / temp) / zt, math.exp(sv / temp) / zs
            expected += p * (math.log(p) - math.log(q))
    expected = expected / 2 * temp**2  # batchmean over 2 rows, times T^2
    assert soft_target_kl(s, t, temp).item() == pytest.approx(expected, rel=1e-6)


def test_masked_lm_ce_ignores_minus_100() -> None:
    logits = torch.tensor([[[2.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 3.0, 0.0]]])
    labels = torch.tensor([[0, -100, 1]])

    def nll(row: list[float], gold: int) -> float:
        return -(row[gold] - math.log(sum(math.exp(v) for v in row)))

    expected = (nll([2.0, 0.0, 1.0], 0) + nll([1.0, 3.0, 0.0], 1)) / 2
    assert masked_lm_ce(logits, labels).item() == pytest.approx(expected, rel=1e-6)


def test_hidden_cosine_over_non_pad_tokens() -> None:
    s = torch.tensor([[[1.0, 0.0], [1.0, 1.0], [5.0, -3.0]]])
    t = torch.tensor([[[0.0, 1.0], [2.0, 2.0], [1.0, 1.0]]])
    mask = torch.tensor([[1, 1, 0]])
    expected = ((1 - 0.0) + (1 - 1.0)) / 2  # cos 0 and cos 1; the pad token is ignored
    assert hidden_cosine(s, t, mask).item() == pytest.approx(expected, abs=1e-6)


def test_span_losses_exclude_padding() -> None:
    start = torch.tensor([[1.0, 2.0, 9.0]])
    end = torch.tensor([[0.0, 1.0, 9.0]])
    mask = torch.tensor([[1, 1, 0]])
    ce = span_ce(
        mask_logits(start, mask), mask_logits(end, mask), torch.tensor([1]), torch.tensor([0])
    )
    lse = lambda a, b: math.log(math.exp(a) + math.exp(b))  # noqa: E731
    expected = ((lse(1, 2) - 2) + (lse(0, 1) - 0)) / 2
    assert ce.item() == pytest.approx(expected, rel=1e-6)
    # KL over the two real positions only equals the KL of the unpadded logits.
    t_start = torch.tensor([[0.0, 3.0, -5.0]])
    kl = soft_target_kl(mask_logits(start, mask), mask_logits(t_start, mask), 2.0)
    assert kl.item() == pytest.approx(soft_target_kl(start[:, :2], t_start[:, :2], 2.0).item())


def test_weighted_sum_drops_zero_alpha_exactly() -> None:
    a, b = torch.tensor(1.25), torch.tensor(float("nan"))
    assert weighted_sum({"ce": a, "cos": b}, {"ce": 2.0, "cos": 0.0}).item() == 2.5
    with pytest.raises(ValueError):
        weighted_sum({"ce": a}, {"ce": 0.0})


class _Fixed(torch.nn.Module):
    """A stand-in model that returns fixed outputs whatever the input."""

    def __init__(self, logits: torch.Tensor, hidden: torch.Tensor) -> None:
        super().__init__()
        self.out = SimpleNamespace(
            logits=logits,
            hidden_states=(hidden * 0, hidden),
            start_logits=logits[..., 0],
            end_logits=logits[..., 1],
        )
        self.config = SimpleNamespace(hidden_size=hidden.size(-1))

    def forward(self, **_: object) -> SimpleNamespace:
        return self.out


def test_mlm_objective_terms_and_ablations() -> None:
    g = torch.Generator().manual_seed(1)
    s_logits, t_logits = torch.randn(2, 4, 6, generator=g), torch.randn(2, 4, 6, generator=g)
    s_hid, t_hid = torch.randn(2, 4, 3, generator=g), torch.randn(2, 4, 3, generator=g)
    student, teacher = _Fixed(s_logits, s_hid), _Fixed(t_logits, t_hid)
    labels = torch.tensor([[-100, 3, -100, -100], [5, -100, -100, -100]])
    batch = {
        "input_ids": torch.zeros(2, 4, dtype=torch.long),
        "attention_mask": torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]]),
    }

    def masker(ids: torch.Tensor, _mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return ids, labels

    full = MLMDistillation(teacher, student, masker, temperature=2.0)  # type: ignore[arg-type]
    terms = full.terms(student, batch)
    real = batch["attention_mask"].bool()
    assert terms["ce"].item() == pytest.approx(
        soft_target_kl(s_logits[real], t_logits[real], 2.0).item()
    )
    assert terms["mlm"].item() == pytest.approx(
        F.cross_entropy(s_logits[labels != -100], labels[labels != -100]).item()
    )
    cos = F.cosine_similarity(s_hid[real], t_hid[real], dim=-1)
    assert terms["cos"].item() == pytest.approx((1 - cos).mean().item())
    restricted = MLMDistillation(teacher, student, masker, restrict_ce_to_mask=True)  # type: ignore[arg-type]
    assert restricted.terms(student, batch)["ce"].item() == pytest.approx(
        soft_target_kl(s_logits[labels != -100], t_logits[labels != -100], 2.0).item()
    )

    no_cos = MLMDistillation(teacher, student, masker, alpha_cos=0.0)  # type: ignore[arg-type]
    ablated = no_cos.terms(student, batch)
    assert set(ablated) == {"ce", "mlm"}
    total = weighted_sum(ablated, no_cos.alphas)
    assert total.item() == (5.0 * terms["ce"] + 2.0 * terms["mlm"]).item()


def test_span_objective_distillation_terms() -> None:
    g = torch.Generator().manual_seed(2)
    s_logits, t_logits = torch.randn(2, 5, 2, generator=g), torch.randn(2, 5, 2, generator=g)
    hid = torch.randn(2, 5, 4, generator=g)
    student, teacher = _Fixed(s_logits, hid), _Fixed(t_logits, hid)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    batch = {
        "input_ids": torch.zeros(2, 5, dtype=torch.long),
        "attention_mask": mask,
        "start_positions": torch.tensor([2, 0]),
        "end_positions": torch.tensor([3, 0]),
    }
    obj = SpanObjective(student, teacher=teacher, temperature=3.0, student_token_types=False)  # type: ignore[arg-type]
    terms = obj.terms(student, batch)
    kl = 0.0
    for k in (0, 1):
        for row in (0, 1):
            n = int(mask[row].sum())
            kl += (
                soft_target_kl(
                    s_logits[row : row + 1, :n, k], t_logits[row : row + 1, :n, k], 3.0
                ).item()
                / 2
            )  # batchmean over the 2 rows
    assert terms["ce"].item() == pytest.approx(kl / 2, rel=1e-5)
    ce = 0.0
    for k, gold in ((0, batch["start_positions"]), (1, batch["end_positions"])):
        for row in (0, 1):
            n = int(mask[row].sum())
            ce += F.cross_entropy(s_logits[row : row + 1, :n, k], gold[row : row + 1]).item() / 2
    assert terms["squad"].item() == pytest.approx(ce / 2, rel=1e-5)
    cached = dict(batch, teacher_start=t_logits[..., 0], teacher_end=t_logits[..., 1])
    no_teacher = SpanObjective(student, temperature=3.0, student_token_types=False)  # type: ignore[arg-type]
    assert no_teacher.terms(student, cached)["ce"].item() == terms["ce"].item()


# ---------------------------------------------------------------- masking


def test_masking_statistics_and_special_tokens() -> None:
    torch.manual_seed(0)
    vocab, mask_id, specials = 1000, 4, [0, 1, 2, 3, 4]
    ids = torch.randint(5, vocab, (64, 256))
    ids[:, 0], ids[:, 100] = 2, 3  # [CLS] and a [SEP] inside
    ids[:, 200:] = 0  # padding
    attention = (ids != 0).long()
    probs = token_probabilities(torch.ones(vocab), specials)
    masker = Masker(probs, mask_id=mask_id)
    corrupted, labels = masker(ids, attention)

    maskable = attention.bool() & (ids > 4)
    chosen = labels != -100
    assert int(chosen.sum()) == math.ceil(0.15 * int(maskable.sum()))
    assert not (chosen & ~maskable).any(), "a special or padding token was chosen"
    special = ~maskable
    assert torch.equal(corrupted[special], ids[special])
    assert torch.equal(labels[chosen], ids[chosen])
    n = int(chosen.sum())
    as_mask = (corrupted[chosen] == mask_id).sum().item() / n
    kept = (corrupted[chosen] == ids[chosen]).sum().item() / n
    assert as_mask == pytest.approx(0.8, abs=0.02)
    assert kept == pytest.approx(0.1, abs=0.02)
    assert 1 - as_mask - kept == pytest.approx(0.1, abs=0.02)


def test_token_probabilities_smooth_frequent_tokens() -> None:
    counts = torch.tensor([100.0, 0.0, 8.0, 1.0, 50.0])
    probs = token_probabilities(counts, special_ids=[0], smoothing=0.7)
    assert probs[0] == 0
    assert probs[1].item() == pytest.approx(1.0)  # unseen: count clamped to 1
    assert probs[2].item() == pytest.approx(8**-0.7)
    assert probs[4].item() == pytest.approx(50**-0.7)


# ---------------------------------------------------------------- data


def test_mlm_chunks_and_length_grouped_batches(tmp_path: Path) -> None:
    from assistant.qa.features import QATokenizer

    _tokenizer_files(tmp_path)
    tok = QATokenizer(tmp_path / "vocab.txt", lowercase=True)
    items = mlm_items(["the cat " * 20], tok, max_seq_len=16)
    assert [len(i["input_ids"]) for i in items] == [16, 16, 14]  # 40 pieces, 14 a chunk
    overlapping = mlm_items(["the cat " * 20], tok, max_seq_len=16, overlap=4)
    assert [len(i["input_ids"]) for i in overlapping] == [16, 16, 16, 12]
    assert overlapping[1]["input_ids"][1:5].tolist() == overlapping[0]["input_ids"][11:15].tolist()
    assert all(i["input_ids"][0] == tok.cls_id and i["input_ids"][-1] == tok.sep_id for i in items)
    batch = collate(items, tok.pad_id)
    assert batch["input_ids"].shape == (3, 16)
    assert batch["attention_mask"][2].tolist() == [1] * 14 + [0] * 2

    lengths = [5, 50, 6, 49, 7, 48, 8, 47]
    full = epoch_batches(lengths, 2, seed=1, epoch=0)
    assert sorted(i for b in full for i in b) == list(range(8))
    assert all(abs(lengths[a] - lengths[b]) <= 2 for a, b in full)  # grouped by length
    assert full == epoch_batches(lengths, 2, seed=1, epoch=0)
    shards = [epoch_batches(lengths, 2, seed=1, epoch=0, num_shards=2, shard=r) for r in (0, 1)]
    assert shards[0] + shards[1] != [] and sorted(shards[0] + shards[1]) == sorted(full)


# ---------------------------------------------------------------- init-student


def test_default_layers() -> None:
    assert default_layers(12) == [0, 2, 4, 7, 9, 11]
    assert default_layers(6) == [0, 2, 4]


def test_init_distilbert_student_copies_named_tensors(
    models: SimpleNamespace, tmp_path: Path
) -> None:
    out = tmp_path / "student"
    assert _cli(f"init-student --teacher {models.mlm} --layers 1,3 --out {out}") == 0
    teacher = BertForMaskedLM.from_pretrained(models.mlm).state_dict()
    student = DistilBertForMaskedLM.from_pretrained(out).state_dict()
    s_layer, t_layer = "distilbert.transformer.layer", "bert.encoder.layer"
    expected = {
        "distilbert.embeddings.word_embeddings.weight": "bert.embeddings.word_embeddings.weight",
        "distilbert.embeddings.LayerNorm.bias": "bert.embeddings.LayerNorm.bias",
        f"{s_layer}.0.attention.q_lin.weight": f"{t_layer}.1.attention.self.query.weight",
        f"{s_layer}.1.attention.out_lin.bias": f"{t_layer}.3.attention.output.dense.bias",
        f"{s_layer}.1.ffn.lin2.weight": f"{t_layer}.3.output.dense.weight",
        f"{s_layer}.0.output_layer_norm.weight": f"{t_layer}.1.output.LayerNorm.weight",
        "vocab_transform.weight": "cls.predictions.transform.dense.weight",
        "vocab_layer_norm.bias": "cls.predictions.transform.LayerNorm.bias",
        "vocab_projector.bias": "cls.predictions.bias",
    }
    for s_key, t_key in expected.items():
        assert torch.equal(student[s_key], teacher[t_key]), s_key
    recorded = json.loads((out / "student_init.json").read_text())["tensors"]
    assert set(recorded) == set(student)
    for s_key, t_key in recorded.items():
        assert torch.equal(student[s_key], teacher[t_key]), s_key
    assert not any("token_type" in k for k in student)
    assert (out / "vocab.txt").read_text() == (models.mlm / "vocab.txt").read_text()
    assert json.loads((out / "config.json").read_text())["n_layers"] == 2


def test_init_bert_student(models: SimpleNamespace, tmp_path: Path) -> None:
    out = tmp_path / "student"
    mapping = init_student(models.qa, out, layers=[0, 3], student_type="bert")
    teacher = BertForQuestionAnswering.from_pretrained(models.qa).state_dict()
    student = BertForQuestionAnswering.from_pretrained(out).state_dict()
    assert (
        mapping["bert.encoder.layer.1.output.dense.weight"]
        == "bert.encoder.layer.3.output.dense.weight"
    )
    assert torch.equal(
        student["bert.embeddings.token_type_embeddings.weight"],
        teacher["bert.embeddings.token_type_embeddings.weight"],
    )
    assert torch.equal(student["qa_outputs.weight"], teacher["qa_outputs.weight"])
    for s_key, t_key in mapping.items():
        assert torch.equal(student[s_key], teacher[t_key]), s_key


@pytest.mark.parametrize("student_type", ["distilbert", "bert"])
def test_init_student_from_bare_encoder(tmp_path: Path, student_type: str) -> None:
    """A headless BertModel (like all-MiniLM-L6-v2) gives a headless student."""
    teacher_dir = _save(BertModel(_bert_config()), tmp_path / "encoder")
    out = tmp_path / "student"
    mapping = init_student(teacher_dir, out, layers=[2], student_type=student_type)
    teacher = BertModel.from_pretrained(teacher_dir).state_dict()
    student = load_file(out / "model.safetensors")
    assert set(student) <= set(mapping)
    for s_key in student:
        assert torch.equal(student[s_key], teacher[mapping[s_key]]), s_key
    layer = (
        "transformer.layer.0.ffn.lin1.weight"
        if student_type == "distilbert"
        else ("encoder.layer.0.intermediate.dense.weight")
    )
    assert mapping[layer] == "encoder.layer.2.intermediate.dense.weight"
    assert ("pooler.dense.weight" in mapping) == (student_type == "bert")


@pytest.mark.parametrize("layers", ["0,4", "-1,2", "1,1"])
def test_init_student_refuses_bad_layers(
    models: SimpleNamespace, tmp_path: Path, layers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(f"init-student --teacher {models.mlm} --layers={layers} --out {tmp_path}") == 2
    assert "error:" in capsys.readouterr().err


# ---------------------------------------------------------------- bad input


def test_vocabulary_mismatch_is_refused(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    other = _save(BertForMaskedLM(_bert_config(2)), tmp_path / "other")
    (other / "vocab.txt").write_text("\n".join([*VOCAB[:-1], "zebra"]) + "\n")
    run = f"mlm --teacher {models.mlm} --student {other} --data {data.text} --out {tmp_path}/r"
    assert _cli(run) == 2
    err = capsys.readouterr().err
    assert "vocabularies differ" in err and "zebra" in err


def test_bad_training_files_are_named(
    models: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    command = f"mlm --teacher {models.mlm} --student {models.mlm} --data {empty} --out {tmp_path}/a"
    assert _cli(command) == 2
    assert "empty.txt: contains no text" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    qa = {"id": "x1", "question": "q?", "answers": [{"text": "zz", "answer_start": 0}]}
    bad.write_text(json.dumps({"data": [{"paragraphs": [{"context": "abc", "qas": [qa]}]}]}))
    assert _cli(f"finetune --model {models.qa} --train {bad} --out {tmp_path}/b") == 2
    err = capsys.readouterr().err
    assert "qas[0]" in err and "x1" in err


# ---------------------------------------------------------------- training


def test_finetune_overfits_tiny_set(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path
) -> None:
    student, out = tmp_path / "student", tmp_path / "run"
    init_student(models.qa, student, layers=[0, 2])
    command = (
        f"finetune --model {student} --train {data.squad} --out {out} {QA_WINDOWS} "
        "--batch-size 10 --max-steps 30 --lr 3e-3 --warmup 0"
    )
    assert _cli(command) == 0
    losses = [row["loss"] for row in read_log(out / "log.csv")]
    assert len(losses) == 30
    assert sum(losses[-5:]) < 0.5 * sum(losses[:5])
    assert (out / "model.safetensors").is_file() and (out / "vocab.txt").is_file()
    assert json.loads((out / "tokenizer_config.json").read_text())["do_lower_case"] is True
    assert any((out / "tensorboard").iterdir())
    # The saved folder is what the QA engine (qa-eval, qa-convert) loads.
    from converter.torch_runner import load_checkpoint_engine

    engine = load_checkpoint_engine(out, max_seq_len=96, doc_stride=16)
    assert engine.answer("where did the cat sit ?", FACTS[0][0]) is not None


def test_a_diverging_run_stops_and_keeps_its_last_checkpoint(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A learning rate of 1e30 turns the weights to overflow within a few updates."""
    out = tmp_path / "run"
    command = (
        f"finetune --model {models.qa} --train {data.squad} --out {out} {QA_WINDOWS} "
        "--batch-size 4 --max-steps 20 --lr 1e30 --warmup 0 --save-every 1"
    )
    assert _cli(command) == 2
    err = capsys.readouterr().err
    assert "the loss is not finite (loss nan" in err or "the loss is not finite (loss inf" in err
    step = int(err.split("error: step ")[1].split(":")[0])
    assert f"the last checkpoint, {out / f'checkpoint-{step - 1}'}, is kept" in err
    assert not (out / f"checkpoint-{step}").exists()
    assert not (out / "model.safetensors").exists()
    assert "Traceback" not in err


def test_finetune_reports_eval(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "run"
    command = (
        f"finetune --model {models.qa} --train {data.squad} --out {out} {QA_WINDOWS} "
        f"--batch-size 4 --max-steps 1 --eval {data.squad} --eval-limit 3"
    )
    assert _cli(command) == 0
    report = json.loads((out / "eval.json").read_text())
    assert report["count"] == 2 and 0 <= report["f1"] <= 100  # 3 questions, 1 unanswerable
    assert "eval on" in capsys.readouterr().out


def test_squad_distillation_with_cached_teacher(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path
) -> None:
    student, out = tmp_path / "student", tmp_path / "run"
    init_student(models.qa, student, layers=[1, 3])
    command = (
        f"squad --teacher {models.qa} --student {student} --train {data.squad} "
        f"--out {out} {QA_WINDOWS} --batch-size 10 --max-steps 30 --lr 3e-3 --warmup 0 "
        "--cache-teacher-logits --alpha-ce 1.0 --alpha-squad 0.5"
    )
    assert _cli(command) == 0
    rows = read_log(out / "log.csv")
    assert set(rows[0]) == {"step", "epoch", "lr", "loss", "ce", "squad"}
    assert rows[-1]["loss"] < rows[0]["loss"]
    for row in rows:
        assert row["loss"] == pytest.approx(1.0 * row["ce"] + 0.5 * row["squad"], rel=1e-5)
    assert (out / "teacher_logits.pt").is_file()


def test_mlm_distillation_loss_falls(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path
) -> None:
    student, out = tmp_path / "student", tmp_path / "run"
    init_student(models.mlm, student, layers=[0, 2])
    command = (
        f"mlm --teacher {models.mlm} --student {student} --data {data.text} --out {out} "
        "--max-seq-len 16 --batch-size 8 --grad-accum 1 --max-steps 25 --lr 3e-3 "
        "--warmup 0"
    )
    assert _cli(command) == 0
    rows = read_log(out / "log.csv")
    assert set(rows[0]) >= {"ce", "mlm", "cos"}
    assert sum(r["loss"] for r in rows[-5:]) < sum(r["loss"] for r in rows[:5])


def test_resume_is_bit_identical(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    student = tmp_path / "student"
    init_student(models.mlm, student, layers=[0, 3])
    run = (
        f"mlm --teacher {models.mlm} --student {student} --data {data.text} --max-seq-len 16 "
        "--batch-size 4 --grad-accum 2 --max-steps 6 --lr 1e-3 --warmup 0.2"
    )
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    assert _cli(f"{run} --out {full} --save-every 3") == 0
    assert (full / "checkpoint-3" / "trainer_state.json").is_file()
    assert _cli(f"{run} --out {resumed} --resume {full}/checkpoint-3") == 0
    full_rows, resumed_rows = read_log(full / "log.csv"), read_log(resumed / "log.csv")
    assert [r["step"] for r in resumed_rows] == [4, 5, 6]
    assert resumed_rows == full_rows[3:]  # every logged float (loss, terms, lr), exactly
    a, b = load_file(full / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)

    # A resume whose run differs is refused, and so is a fresh run into a used folder.
    capsys.readouterr()
    assert _cli(f"{run} --lr 2e-3 --out {tmp_path}/x --resume {full}") == 2
    err = capsys.readouterr().err
    assert "different run" in err and "lr: 0.001 (checkpoint) vs 0.002 (now)" in err
    assert _cli(f"{run} --out {full}") == 2
    assert "already holds a run" in capsys.readouterr().err


def test_one_step_under_torchrun_gloo(
    models: SimpleNamespace, data: SimpleNamespace, tmp_path: Path
) -> None:
    out = tmp_path / "ddp"
    env = dict(os.environ, USE_TF="0", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    launcher = f"{sys.executable} -m torch.distributed.run --standalone --nproc_per_node 2"
    command = (
        f"{launcher} -m distill.cli finetune --model {models.qa} --train {data.squad} "
        f"--out {out} {QA_WINDOWS} --batch-size 2 --max-steps 2 --save-every 2"
    )
    result = subprocess.run(
        command.split(), cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["step"] for r in read_log(out / "log.csv")] == [1, 2]
    assert json.loads((out / "run_config.json").read_text())["processes"] == 2
    assert (out / "model.safetensors").is_file()
    ckpt = out / "checkpoint-2"
    assert (ckpt / "rng_state_0.pt").is_file() and (ckpt / "rng_state_1.pt").is_file()
