"""bmtk's ``bmtk.builder.auxi.node_params`` names, provided by :mod:`builders.positions`."""
from builders.positions import (positions_columinar, positions_columnar, positions_cuboid, positions_ellipsoid,
                                positions_grid, positions_list, positions_sphere, xiter_random)

__all__ = ["positions_columinar", "positions_columnar", "positions_cuboid", "positions_ellipsoid",
           "positions_grid", "positions_list", "positions_sphere", "xiter_random"]
