"""The procedurally generated toy world: data a CPU can learn from in minutes."""

from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES, Scene, render, sample_scene

__all__ = ["COLORS", "POSITIONS", "SHAPES", "SIZES", "Scene", "render", "sample_scene"]
