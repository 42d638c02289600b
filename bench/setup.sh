#!/usr/bin/env bash
# Installs what the peer benchmarks need, from Debian's packages, when it is missing (idempotent; fast
# when everything is there). bench/Hebb.Bench runs it before any --peers run.
#   python3-torch        PyTorch peer (/usr/bin/python3, Debian's torch 1.13)
#   libopenblas0-openmp  Debian's torch calls libblas.so.3; without OpenBLAS that is the slow reference BLAS
#   patchelf             relaxes the TorchSharp shim's GLIBCXX_3.4.32 requirement in its build output
# TorchSharp itself (TorchSharp-cpu from NuGet) is restored by `dotnet build` of bench/Hebb.Bench.TorchSharp.
set -euo pipefail

need=()
for pkg in python3-torch python3-numpy libopenblas0-openmp patchelf binutils; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then need+=("$pkg"); fi
done
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}"
fi

# libblas.so.3 must be OpenBLAS, not the reference implementation (update-alternatives picks
# OpenBLAS by priority once it is installed; make sure nobody pinned the reference one).
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
if [[ $blas != *openblas* ]]; then
  echo "setup: libblas.so.3 is $blas; switching it to OpenBLAS"
  ${SUDO:-} update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
  blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)
fi
echo "setup: peers ready (python3-torch $(dpkg-query -W -f='${Version}' python3-torch), libblas.so.3 -> $blas)"
