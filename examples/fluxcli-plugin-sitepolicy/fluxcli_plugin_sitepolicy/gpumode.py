"""Select the AMD GPU compute partition mode of an allocation (CPX, SPX or TPX)."""

from flux.cli.plugin import CLIPlugin  # provided by fluxcli when Flux is absent


class GpuModePlugin(CLIPlugin):
    """Set the GPU mode of the nodes of this allocation.

    --amd-gpumode=MODE stores MODE in attributes.system.gpumode; the site's
    prolog reconfigures the GPUs before the instance starts.
    """

    def __init__(self, prog, prefix="amd"):
        super().__init__(prog, prefix=prefix)
        if self.prog in ("batch", "alloc"):
            self.add_option(
                "--gpumode", metavar="MODE", choices=["CPX", "SPX", "TPX"], help="AMD GPU mode"
            )

    def preinit(self, args):
        if getattr(args, "gpumode", None):
            args.exclusive = True

    def modify_jobspec(self, args, jobspec):
        if getattr(args, "gpumode", None):
            jobspec.setattr("gpumode", args.gpumode)
