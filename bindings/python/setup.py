"""Build hook: a wheel or install made from a checkout carries the checkout's libsession.so.

`pip install bindings/python` (or `pip wheel bindings/python`) after `cargo build --release`
copies target/release/libsession.so (or $CARGO_TARGET_DIR/release) into the package, so
`import libsession` needs no LIBSESSION_LIBRARY; it also records that directory in
libsession/_build_info.py as a fallback for a build made without the library. Rebuilding the
C library afterwards needs a reinstall to be picked up (or LIBSESSION_LIBRARY).
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def _library_dir():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release")


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        package = os.path.join(self.build_lib, "libsession")
        in_checkout = os.path.exists(os.path.join(ROOT, "include", "session.h"))
        dirs = [_library_dir()] if in_checkout else []
        with open(os.path.join(package, "_build_info.py"), "w") as f:
            f.write('"""Written by setup.py: where the checkout it was built from keeps libsession.so."""\n')
            f.write(f"LIBRARY_DIRS = {dirs!r}\n")
        built = os.path.join(_library_dir(), "libsession.so")
        if in_checkout and os.path.exists(built) and not os.path.exists(os.path.join(package, "libsession.so")):
            shutil.copy(os.path.realpath(built), os.path.join(package, "libsession.so"))


setup(cmdclass={"build_py": BuildWithLibrary})
