#!/usr/bin/env bash
# The Pi's software stack on arm64, emulated: does `qa-assistant ask` answer as on x86?
#
#   sudo scripts/arm64-smoke.sh [--root DIR] [--bundle DIR] [--question TEXT] [--keep]
#
# 1. debootstrap an arm64 Debian bookworm root (Raspberry Pi OS bookworm's base) into DIR
#    (default /var/tmp/qa-arm64-root; reused when already there), run through qemu-user-static;
# 2. make a venv there and pip install this checkout with the `pi` extra from the registry;
# 3. run `qa-assistant ask --docs ... --model BUNDLE --json QUESTION` there and with this
#    checkout's .venv on the host; the two answers must be the same text;
# 4. list the arm64 shared libraries of the venv that would need write+execute memory (an
#    executable stack, or text relocations), i.e. that MemoryDenyWriteExecute=yes would break.
# Prints each step's time. Exit status 0 only when the answers match.
#
# Needs: root, apt packages debootstrap qemu-user-static binfmt-support, this checkout's .venv
# (the x86 answer) and the default bundle (--bundle; default: models/minilm-l6-qa-int8 of this checkout).
# Slow: an emulated pip install and model run take tens of minutes on two cores.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Debian mirror this machine's apt already uses (first URIs line of debian.sources).
MIRROR="${MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}"
root=/var/tmp/qa-arm64-root
bundle="$REPO/models/minilm-l6-qa-int8"
question="When was the Eiffel tower built?"
keep=no
DOCUMENT="The Eiffel tower is a wrought-iron lattice tower on the Champ de Mars in Paris. \
It was built from 1887 to 1889 as the centrepiece of the 1889 World's Fair, and it was \
designed by the engineering company of Gustave Eiffel."

die() {
    echo "arm64-smoke: $*" >&2
    exit 1
}

step() {
    echo "arm64-smoke: [$((SECONDS / 60))m$((SECONDS % 60))s] $*"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --root | --bundle | --question)
        [[ $# -ge 2 ]] || die "$1 needs a value"
        case "$1" in
        --root) root="$2" ;;
        --bundle) bundle="$2" ;;
        --question) question="$2" ;;
        esac
        shift
        ;;
    --keep) keep=yes ;;
    -h | --help)
        sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

[[ "$(id -u)" -eq 0 ]] || die "run as root (debootstrap and chroot)"
[[ -n "$MIRROR" ]] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources: set MIRROR"
for tool in debootstrap qemu-aarch64-static update-binfmts readelf; do
    command -v "$tool" >/dev/null || die "$tool missing: apt-get install debootstrap qemu-user-static binfmt-support binutils"
done
[[ -f "$bundle/bundle.json" ]] || die "$bundle is not a model bundle (--bundle DIR)"
[[ -x "$REPO/.venv/bin/qa-assistant" ]] || die "$REPO/.venv has no qa-assistant (the x86 side)"
root="$(realpath -m "$root")"

# arm64 binaries run through qemu: the binfmt_misc handler must be registered and enabled.
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64
fi

cleanup() {
    umount -l "$root/proc" 2>/dev/null || true
    umount -l "$root/dev" 2>/dev/null || true
    if [[ "$keep" == no ]]; then
        rm -rf "${root:?}/src" "${root:?}/bundle" "${root:?}/docs"
    fi
}
trap cleanup EXIT

if [[ ! -f "$root/etc/debian_version" ]]; then
    step "debootstrap arm64 bookworm into $root (from $MIRROR)"
    debootstrap --arch=arm64 --variant=minbase \
        --include=python3,python3-venv,python3-pip,ca-certificates,libportaudio2 \
        bookworm "$root" "$MIRROR"
fi
step "arm64 root ready: $(chroot "$root" uname -m), Python $(chroot "$root" python3 -V)"

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The registry as this machine reaches it: its CA bundle (a TLS proxy's) and pip settings.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
[[ -f /etc/pip.conf ]] && grep -v "find-links\|file://" /etc/pip.conf >"$root/etc/pip.conf"

rm -rf "$root/src" "$root/bundle" "$root/docs"
mkdir -p "$root/src" "$root/docs"
git -C "$REPO" ls-files -z --cached --others --exclude-standard |
    tar -C "$REPO" --null -T - --ignore-failed-read -cf - | tar -C "$root/src" -xf -
cp -r "$bundle" "$root/bundle"
printf '%s\n' "$DOCUMENT" >"$root/docs/eiffel.txt"

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=120 "$@"
}

step "pip install /src[pi] into /venv (arm64, from the registry)"
[[ -x "$root/venv/bin/python" ]] || in_root python3 -m venv /venv
in_root /venv/bin/pip install --quiet "/src[pi]"
in_root /venv/bin/pip list --format=freeze | grep -iE "ai.edge.litert|vosk|numpy|tokenizers"

answer_text() {
    python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])["answer"])'
}

step "x86: qa-assistant ask"
x86_json="$("$REPO/.venv/bin/qa-assistant" ask --docs "$root/docs" --model "$bundle" --json "$question")"
step "arm64: qa-assistant ask"
arm_json="$(in_root /venv/bin/qa-assistant ask --docs /docs --model /bundle --json "$question")"
echo "x86:   $x86_json"
echo "arm64: $arm_json"

step "arm64 libraries needing write+execute memory (executable stack or TEXTREL):"
find "$root/venv" -name "*.so*" -type f -print0 | while IFS= read -r -d '' lib; do
    stack="$(readelf -lW "$lib" 2>/dev/null | awk '$1 == "GNU_STACK" {print $(NF-1)}')"
    if [[ "$stack" == *E* ]] || readelf -dW "$lib" 2>/dev/null | grep -q TEXTREL; then
        echo "  ${lib#"$root"} (stack ${stack:-none})"
    fi
done

x86_answer="$(answer_text <<<"$x86_json")"
arm_answer="$(answer_text <<<"$arm_json")"
if [[ "$x86_answer" == "$arm_answer" ]]; then
    step "PASS: both answer \"$arm_answer\""
else
    step "FAIL: x86 \"$x86_answer\" != arm64 \"$arm_answer\""
    exit 1
fi
