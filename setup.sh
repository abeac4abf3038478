#!/usr/bin/env bash
# One-step setup of a development/test machine (Debian 12 or Raspberry Pi OS bookworm):
# the Debian packages the tests use, then a virtual environment in .venv with every extra.
# PyTorch: a CPU wheel found in /opt/wheels is installed first (it avoids the multi-GB CUDA
# build that a plain `pip install torch` pulls on x86).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3-venv python3-dev build-essential
  espeak-ng libespeak-ng1 sox alsa-utils libportaudio2 pulseaudio pulseaudio-utils
  libasound2-plugins shellcheck
  systemd
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
shopt -s nullglob
torch_wheels=(/opt/wheels/torch-2.13.0+cpu-*.whl)
if [ ${#torch_wheels[@]} -gt 0 ]; then
  .venv/bin/pip install -q "${torch_wheels[0]}"
fi
.venv/bin/pip install -q -e ".[pi,convert,distill,dev]"
echo "setup done: activate with 'source .venv/bin/activate'"
