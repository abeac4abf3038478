#!/usr/bin/env bash
# PC -> Pi: copy a model bundle and a Vosk model to an installed Pi, restart, check.
#
#   scripts/deploy-to-pi.sh [--bundle DIR] [--vosk DIR] USER@HOST
#
# --bundle: the bundle qa-convert made (default: models/minilm-l6-qa-int8 of this checkout, the shipped
#           one); --vosk: an unzipped Vosk model, e.g. vosk-model-small-en-us-0.15 (default:
#           none, the Pi keeps the one it has). They land where the installed config points:
#           /opt/qa-assistant/models/bundle and /opt/qa-assistant/models/vosk-model. Then on the
#           Pi: stop the service, `qa-assistant check` as its user, start it again.
# The Pi must have been set up with systemd/install.sh; USER needs sudo there. Exit status: the
# check's (0 when everything passed).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS=/opt/qa-assistant/models
bundle="$REPO/models/minilm-l6-qa-int8"
vosk=""

die() {
    echo "deploy-to-pi: $*" >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --bundle | --vosk)
        [[ $# -ge 2 ]] || die "$1 needs a value"
        if [[ "$1" == --bundle ]]; then bundle="$2"; else vosk="$2"; fi
        shift
        ;;
    -h | --help)
        sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
    esac
    shift
done
[[ $# -eq 1 ]] || die "give the Pi as USER@HOST (see --help)"
pi="$1"
[[ -f "$bundle/bundle.json" ]] || die "$bundle is not a model bundle: run qa-convert first"
if [[ -n "$vosk" && ! -d "$vosk/am" ]]; then
    die "$vosk is not an unzipped Vosk model (no am/ folder in it)"
fi

staging="/tmp/qa-deploy.$$"
echo "deploy-to-pi: copying to $pi"
ssh "$pi" mkdir -p "$staging"
rsync -a --delete "$bundle/" "$pi:$staging/bundle/"
if [[ -n "$vosk" ]]; then
    rsync -a --delete "$vosk/" "$pi:$staging/vosk-model/"
fi

# On the Pi: swap the folders in as root-owned, world-readable; check with the service stopped
# (it holds the audio devices and the GPIO pin), as the service's user; start it again.
# shellcheck disable=SC2087 # $staging and $MODELS are meant to expand here, on the PC
ssh -t "$pi" sudo bash -s <<EOF
set -euo pipefail
for name in bundle vosk-model; do
    [[ -d $staging/\$name ]] || continue
    rm -rf $MODELS/\$name.old
    [[ -e $MODELS/\$name ]] && mv $MODELS/\$name $MODELS/\$name.old
    mv $staging/\$name $MODELS/\$name
    chown -R root:root $MODELS/\$name
    chmod -R u=rwX,go=rX $MODELS/\$name
    rm -rf $MODELS/\$name.old
    if [[ -f $MODELS/SHIPPED ]]; then  # the user's bundle now: install.sh keeps it from here on
        grep -vx "\$name" $MODELS/SHIPPED >$MODELS/SHIPPED.new || true
        mv $MODELS/SHIPPED.new $MODELS/SHIPPED
    fi
done
rm -rf $staging
systemctl stop qa-assistant
status=0
sudo -u qa-assistant PA_ALSA_PLUGHW=1 /opt/qa-assistant/venv/bin/qa-assistant check || status=\$?
systemctl start qa-assistant
exit \$status
EOF
