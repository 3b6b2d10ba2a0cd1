"""Train MM1: `torchrun --nproc_per_node N -m projects.mm1.train --config_file FILE "k=v" ...`.

The run is the framework's (`omni.train.run`); MM1 is its configs and its stage table."""

from omni.config import LazyLaunch
from omni.train.arguments import Arguments
from omni.train.dry_run import dry_run
from omni.train.run import train

if __name__ == "__main__":
    LazyLaunch(train, Arguments, dry_run)
