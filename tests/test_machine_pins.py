"""The numerical pins of the Makefile: on x86-64 with AVX2, every make target runs OpenBLAS's
Haswell kernels and NumPy without its AVX-512 loops, so that tables and notebook outputs are
the same on every such processor (unpinned, an AVX-512 machine changed 11 of 27 tables)."""
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _has_avx2() -> bool:
    try:
        return "avx2" in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def _make_env() -> dict[str, str]:
    out = subprocess.run(["make", "-s", "-C", str(ROOT), "env"], capture_output=True, text=True,
                         check=True).stdout
    pins = {}
    for line in out.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        pins[name] = value.strip("'")
    return pins


def test_make_env_prints_the_thread_and_hash_pins():
    pins = _make_env()
    assert pins["OMP_NUM_THREADS"] == "1" and pins["OPENBLAS_NUM_THREADS"] == "1"
    assert pins["PYTHONHASHSEED"] == "0"
    assert "MPLBACKEND" not in pins  # JupyterLab must keep its inline backend


@pytest.mark.skipif(platform.machine() != "x86_64" or not _has_avx2(),
                    reason="the kernel pins apply to x86-64 processors with AVX2 only")
def test_pinned_numpy_runs_haswell_kernels_without_avx512():
    pins = _make_env()
    assert pins.get("OPENBLAS_CORETYPE") == "Haswell"
    probe = ("import json, numpy\n"
             "from numpy._core._multiarray_umath import __cpu_features__ as f\n"
             "from threadpoolctl import threadpool_info\n"
             "arch = [i.get('architecture') for i in threadpool_info() if i['internal_api'] == 'openblas']\n"
             "print(json.dumps({'arch': arch, 'avx512f': bool(f.get('AVX512F')),\n"
             "                  'v4': bool(f.get('X86_V4'))}))\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
    env.update(pins)
    result = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                       text=True, env=env, check=True).stdout)
    assert result["arch"] and set(result["arch"]) == {"Haswell"}
    assert not result["v4"]
