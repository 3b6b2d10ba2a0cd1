"""C-Abstractor (Honeybee, Cha et al. 2024), the connector MM1 uses: convolutions keep locality, pooling sets the count.

Structure as in kakaobrain/honeybee (`honeybee/projectors/projectors.py`): a learned positional embedding added to the
patch features, a RegNet stage of `depth` bottleneck blocks (timm's `RegStage` with SiLU and channels-first
LayerNorm: 1×1 conv, 3×3 depthwise conv, squeeze-excitation, 1×1 conv, residual), adaptive average pooling to a
√M×√M grid, a second stage, and an MLP readout (SiLU between layers). Parameter names follow timm's (`s1.b1.conv1.conv`,
`…bn`, `…se.fc1`, `…downsample`), and the parameter count of Honeybee's reference configuration equals theirs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omni.models.connectors.base import Connector, register_connector, square_side


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) map (timm's `LayerNorm2d`)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


class ConvNorm(nn.Module):
    """Conv (no bias) → channels-first LayerNorm → optional SiLU; children named `conv` and `bn` as in timm."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, groups: int = 1, act: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups, bias=False)
        self.bn = LayerNorm2d(out_channels, eps=1e-5)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, reduced: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(channels, reduced, 1), nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(F.silu(self.fc1(x.mean((2, 3), keepdim=True)))))


class Bottleneck(nn.Module):
    """RegNet's bottleneck (bottleneck ratio 1, group size 1: depthwise 3×3) with SE after the 3×3 conv."""

    def __init__(self, in_channels: int, out_channels: int, se_ratio: float = 0.25):
        super().__init__()
        self.conv1 = ConvNorm(in_channels, out_channels)
        self.conv2 = ConvNorm(out_channels, out_channels, 3, groups=out_channels)
        self.se = SqueezeExcite(out_channels, int(round(in_channels * se_ratio)))
        self.conv3 = ConvNorm(out_channels, out_channels, act=False)
        self.downsample = ConvNorm(in_channels, out_channels, act=False) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.conv3(self.se(self.conv2(self.conv1(x)))) + self.downsample(x))


class RegStage(nn.Sequential):
    def __init__(self, depth: int, in_channels: int, out_channels: int):
        super().__init__()
        for i in range(depth):
            self.add_module(f"b{i + 1}", Bottleneck(in_channels if i == 0 else out_channels, out_channels))


@register_connector
class CAbstractor(Connector):
    """`num_queries` output tokens (a square: MM1 uses 144 = 12×12) from a square grid of `num_input_tokens`."""

    name = "c_abstractor"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, num_queries: int = 144,
                 hidden_size: int = 1024, depth: int = 3, mlp_depth: int = 2, pos_emb: bool = True):
        super().__init__(in_features, out_features, num_input_tokens)
        if num_input_tokens is None:
            raise ValueError("c_abstractor needs num_input_tokens (its positional embedding has one row per patch)")
        square_side(num_input_tokens, "c_abstractor's input")
        self.side, self.num_queries = square_side(num_queries, "c_abstractor's num_queries"), num_queries
        self.pos_emb = nn.Parameter(torch.zeros(1, num_input_tokens, in_features)) if pos_emb else None
        if self.pos_emb is not None:
            nn.init.trunc_normal_(self.pos_emb, std=0.02)
        width = hidden_size if depth else in_features
        self.net = nn.Sequential(*(
            [RegStage(depth, in_features, hidden_size), nn.AdaptiveAvgPool2d(self.side), RegStage(depth, hidden_size, hidden_size)]
            if depth else [nn.AdaptiveAvgPool2d(self.side)]))
        readout: list[nn.Module] = [nn.Linear(width, out_features)]
        for _ in range(mlp_depth - 1):
            readout += [nn.SiLU(), nn.Linear(out_features, out_features)]
        self.readout = nn.Sequential(*readout)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None and not bool(mask.all()):
            raise ValueError("c_abstractor convolves a full grid: it cannot skip padded tokens (use the perceiver)")
        if self.pos_emb is not None:
            features = features + self.pos_emb
        side = square_side(features.shape[1], "c_abstractor's input")
        grid = features.transpose(1, 2).reshape(features.shape[0], -1, side, side)
        pooled = self.net(grid).flatten(2).transpose(1, 2)
        return self.readout(pooled)

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return self.num_queries

    def no_weight_decay(self) -> set[str]:
        return {"pos_emb"} if self.pos_emb is not None else set()
