#!/usr/bin/env bash
# deps.sh — install the Debian packages espfab's build, tests and tools need.
# Idempotent: installs only what is missing.  Needs root (or sudo) and
# Debian's package archive; says what is missing otherwise.
set -eu
pkgs=(gcc g++ make libc6-dev libssl-dev openssl libcmocka-dev tshark pkg-config verilator libsystemc-dev yosys socat iputils-ping strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins jq gnuplot-nox)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then SUDO=sudo; else
		echo "deps: missing packages ${missing[*]}; run as root or install them" >&2; exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
