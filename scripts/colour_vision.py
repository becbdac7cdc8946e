"""Simulate colour-vision deficiency on screenshots, to look at every chart as 1 in 12 men do.

    python scripts/colour_vision.py artifacts/screenshots/light_Explore_desktop.png [...]

For each PNG, writes ``<name>_protanopia.png`` and ``<name>_deuteranopia.png`` next to it (or
into ``--out``): the colours a person without red (protanopia) or green (deuteranopia) cones
would see, by the matrices of Machado, Oliveira and Fernandes (2009, severity 1.0) applied in
linear RGB. A chart that still reads in both is not relying on colour alone.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

# Machado, Oliveira & Fernandes, "A physiologically-based model for simulation of color vision
# deficiency", IEEE TVCG 15(6), 2009: full-severity matrices, linear RGB.
MATRICES = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
}


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate(image: Image.Image, deficiency: str) -> Image.Image:
    """The image as seen with ``deficiency`` ('protanopia' or 'deuteranopia')."""
    if deficiency not in MATRICES:
        raise ValueError(
            f"The 'deficiency' parameter must be one of {sorted(MATRICES)}; got {deficiency!r}."
        )
    rgb = np.asarray(image.convert("RGB"), dtype=float) / 255.0
    seen = _to_linear(rgb) @ MATRICES[deficiency].T
    return Image.fromarray(np.round(_to_srgb(seen) * 255).astype(np.uint8))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the simulated images")
    args = parser.parse_args(argv)
    for path in args.images:
        folder = args.out or path.parent
        folder.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            for deficiency in MATRICES:
                target = folder / f"{path.stem}_{deficiency}.png"
                simulate(image, deficiency).save(target)
                print(target)


if __name__ == "__main__":
    main()
