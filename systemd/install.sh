#!/usr/bin/env bash
# Install (or remove) qa-assistant on Raspberry Pi OS bookworm (64-bit). Idempotent.
#
#   sudo systemd/install.sh [--source SPEC] [--no-venv] [--force]
#   sudo systemd/install.sh --uninstall [--purge]
#
# Install: the system user (systemd-sysusers), the venv /opt/qa-assistant/venv with the `pi`
# extra (pip, from SPEC: default this checkout; a wheel file or any pip requirement works),
# /usr/local/bin/qa-assistant, the unit, the udev rule, the default /etc/qa-assistant/config.toml
# (only where none exists: an edited config is kept), /opt/qa-assistant/models/ with the shipped
# QA bundle and retriever (upgraded with the code unless replaced by hand) and room for an
# optional Vosk model; then enables and (re)starts the service. It listens with PocketSphinx and
# Whisper tiny.en (the `pi` extra installs both, weights included); with asr.engine = "vosk" and
# no Vosk model yet it answers with PocketSphinx, and says so, until one is copied to
# /opt/qa-assistant/models/vosk-model.
# Uninstall: all of that; the library (/var/lib/qa-assistant) only with --purge.
#
# DESTDIR=/some/root installs into that folder instead of / and touches nothing outside it
# (no apt, no systemctl/udev reload; the service is enabled with systemctl --root). --no-venv
# skips the venv (tests). --force installs on another OS or architecture than the Pi's.
set -euo pipefail

DESTDIR="${DESTDIR:-}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX=/opt/qa-assistant
SHIPPED_BUNDLE="$HERE/../models/minilm-l6-qa-int8"  # the default bundle this project trained
SHIPPED_RETRIEVER="$HERE/../models/minilm-l6-retriever-int8"  # the dense retriever's encoder
# sha256 of the model.tflite of every earlier release's shipped QA bundle: installs older than
# models/SHIPPED copied these, and they are upgraded like a listed copy
EARLIER_SHIPPED_MODELS=(
    3e3b2d8da2f75a007e82b954fa2cf2ee66736ac5c3ad6835caf12d33f71cd023
    7a73f841a9b30308acc7d7efc1bd88078131c99c7139fd1c604d2d1603555c9b
)
# `threshold = ...` lines earlier releases wrote, uncommented, into config.toml. The answer
# score has changed scale since (28.0 would now refuse nearly every answer), so in a kept
# config.toml such a line, unchanged, is commented out and the code's calibrated default
# applies; a value the user chose is kept.
EARLIER_SHIPPED_THRESHOLDS=(6.8 7.0 28.0 7.1)
UNIT=qa-assistant.service
NAME=qa-assistant
APT_PACKAGES=(python3-venv libportaudio2 libespeak-ng1 espeak-ng alsa-utils)
# The Pi 5's GPIO goes through lgpio; gpiozero does not pull it in.
PIP_EXTRA=("lgpio>=0.2.2")

action=install
source_spec="$(dirname "$HERE")"
venv=yes
force=no
purge=no

usage() {
    sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

die() {
    echo "install.sh: $*" >&2
    exit 1
}

say() {
    echo "install.sh: $*"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --uninstall) action=uninstall ;;
    --purge) purge=yes ;;
    --no-venv) venv=no ;;
    --force) force=yes ;;
    --source)
        [[ $# -ge 2 ]] || die "--source needs a value"
        source_spec="$2"
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

live() { [[ -z "$DESTDIR" ]]; }

# Options for tools that can work on another root (systemctl, sysusers, userdel, groupdel).
root_opt=()
if ! live; then
    DESTDIR="$(realpath -m "$DESTDIR")"
    root_opt=(--root "$DESTDIR")
fi

check_platform() {
    [[ "$(id -u)" -eq 0 ]] || die "run as root (sudo)"
    [[ "$force" == yes ]] && return
    local codename arch
    # shellcheck source=/dev/null
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    arch="$(dpkg --print-architecture)"
    if [[ "$codename" != bookworm || "$arch" != arm64 ]]; then
        die "this is $codename/$arch, not Raspberry Pi OS bookworm arm64 (--force to go on)"
    fi
}

install_apt_packages() {
    local missing=()
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$package")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        say "installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

install_venv() {
    local python="$DESTDIR$PREFIX/venv/bin/python"
    [[ -x "$python" ]] || python3 -m venv "$DESTDIR$PREFIX/venv"
    local spec="$source_spec"
    # A folder (this checkout) or a wheel file gets the extra appended; a requirement is as given.
    [[ -e "$spec" ]] && spec="$(realpath "$spec")[pi]"
    say "installing $spec into $PREFIX/venv"
    "$python" -m pip install --quiet --upgrade pip
    "$python" -m pip install --quiet --upgrade "$spec" "${PIP_EXTRA[@]}"
}

# The code's answer-score weights and thresholds are calibrated for the shipped bundles, so
# they are upgraded with it: a copy this script made (named in models/SHIPPED) is replaced by
# the current one, switched in with two renames; a bundle put there by hand is kept.
shipped_copy() {  # SOURCE NAME: is models/NAME a bundle this script put there?
    local src=$1 name=$2 sha
    local dest="$DESTDIR$PREFIX/models/$name"
    grep -qx "$name" "$DESTDIR$PREFIX/models/SHIPPED" 2>/dev/null && return 0
    # installs older than the list: an unchanged copy of this or an earlier release's bundle
    cmp -s "$src/bundle.json" "$dest/bundle.json" && return 0
    for sha in "${EARLIER_SHIPPED_MODELS[@]}"; do
        grep -qF "\"$sha\"" "$dest/bundle.json" 2>/dev/null && return 0
    done
    return 1
}

install_shipped() {  # SOURCE NAME
    local src=$1 name=$2
    local dest="$DESTDIR$PREFIX/models/$name" list="$DESTDIR$PREFIX/models/SHIPPED"
    [[ -d "$src" ]] || return 0
    if [[ -e "$dest" ]] && ! shipped_copy "$src" "$name"; then
        say "keeping $PREFIX/models/$name: not a copy made by install.sh (to get the shipped"
        say "one, move it away and run install.sh again)"
        return 0
    fi
    rm -rf "$dest.new" "$dest.old"
    cp -r "$src" "$dest.new"
    chmod -R a+rX "$dest.new"
    if [[ -e "$dest" ]]; then
        mv "$dest" "$dest.old"
    fi
    mv "$dest.new" "$dest"
    rm -rf "$dest.old"
    grep -qx "$name" "$list" 2>/dev/null || echo "$name" >>"$list"
}

retire_shipped_thresholds() {  # CONFIG
    local conf=$1 value
    for value in "${EARLIER_SHIPPED_THRESHOLDS[@]}"; do
        grep -qFx "threshold = $value" "$conf" || continue
        sed -i "s/^threshold = ${value//./\\.}\$/# threshold = $value  # an earlier release's default, retired by install.sh/" "$conf"
        say "config.toml: commented out 'threshold = $value', an earlier release's default (the"
        say "answer score has another scale now; the calibrated default applies)"
    done
}

install_files() {
    install -D -m 0644 "$HERE/qa-assistant.sysusers" "$DESTDIR/etc/sysusers.d/$NAME.conf"
    install -D -m 0644 "$HERE/$UNIT" "$DESTDIR/etc/systemd/system/$UNIT"
    install -D -m 0644 "$HERE/99-qa-assistant-usb.rules" \
        "$DESTDIR/etc/udev/rules.d/99-qa-assistant-usb.rules"
    if [[ ! -e "$DESTDIR/etc/$NAME/config.toml" ]]; then
        install -D -m 0644 "$HERE/config.toml" "$DESTDIR/etc/$NAME/config.toml"
    else
        say "keeping the existing /etc/$NAME/config.toml"
        retire_shipped_thresholds "$DESTDIR/etc/$NAME/config.toml"
    fi
    install -d -m 0755 "$DESTDIR$PREFIX/models" "$DESTDIR/usr/local/bin"
    install_shipped "$SHIPPED_BUNDLE" bundle
    install_shipped "$SHIPPED_RETRIEVER" retriever
    ln -sfn "$PREFIX/venv/bin/qa-assistant" "$DESTDIR/usr/local/bin/qa-assistant"
}

do_install() {
    if live; then
        check_platform
        install_apt_packages
    fi
    install_files
    systemd-sysusers "${root_opt[@]}" "$NAME.conf"
    if [[ "$venv" == yes ]]; then
        install_venv
    fi
    if live; then
        udevadm control --reload
        systemctl daemon-reload
        systemctl enable "$UNIT"
        systemctl restart "$UNIT"
    else
        systemctl "${root_opt[@]}" enable "$UNIT"
    fi
    say "installed and started."
    if [[ ! -d "$DESTDIR$PREFIX/models/vosk-model" ]]; then
        say "no Vosk model (optional): with asr.engine = \"vosk\" the service listens with"
        say "PocketSphinx until vosk-model-small-en-us-0.15 is unzipped to $PREFIX/models/vosk-model"
    fi
    say "(another QA bundle goes to $PREFIX/models/bundle), then:"
    say "sudo systemctl restart $NAME && journalctl -fu $NAME"
}

do_uninstall() {
    if live; then
        [[ "$(id -u)" -eq 0 ]] || die "run as root (sudo)"
        systemctl disable --now "$UNIT" 2>/dev/null || true
    elif [[ -e "$DESTDIR/etc/systemd/system/$UNIT" ]]; then
        systemctl "${root_opt[@]}" disable "$UNIT"
    fi
    rm -f "$DESTDIR/etc/systemd/system/$UNIT" \
        "$DESTDIR/etc/udev/rules.d/99-qa-assistant-usb.rules" \
        "$DESTDIR/etc/sysusers.d/$NAME.conf" \
        "$DESTDIR/usr/local/bin/qa-assistant"
    local opt_dir="$DESTDIR$PREFIX" config_dir="$DESTDIR/etc/$NAME"
    rm -rf "$opt_dir" "$config_dir"
    if grep -q "^$NAME:" "$DESTDIR/etc/passwd" 2>/dev/null; then
        userdel "${root_opt[@]}" "$NAME"
    fi
    if grep -q "^$NAME:" "$DESTDIR/etc/group" 2>/dev/null; then
        groupdel "${root_opt[@]}" "$NAME"
    fi
    if [[ "$purge" == yes ]]; then
        rm -rf "$DESTDIR/var/lib/$NAME"
    elif [[ -d "$DESTDIR/var/lib/$NAME" ]]; then
        say "kept the library /var/lib/$NAME (--purge removes it)"
    fi
    if live; then
        systemctl daemon-reload
        udevadm control --reload
    fi
    say "removed"
}

"do_$action"
