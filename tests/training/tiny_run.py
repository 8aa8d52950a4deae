"""A training run small enough for tests: a tiny CNN on synthetic images.

Run as a script (``python tiny_run.py CHECKPOINT EPOCHS``) it trains with a
checkpoint and prints a line per epoch: the interruption test kills it and
runs it again.
"""
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def tiny_model(num_classes=2):
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(4, num_classes),
    )


def synthetic_loaders(n_train=64, n_val=32, size=12, batch_size=8, seed=123):
    """Two classes told apart by brightness, with noise: learnable, not trivially."""
    generator = torch.Generator().manual_seed(seed)

    def make(n):
        labels = torch.arange(n) % 2
        images = torch.randn(n, 3, size, size, generator=generator) + (labels.float() * 0.6 - 0.3).view(n, 1, 1, 1)
        return TensorDataset(images, labels)

    return {"train": DataLoader(make(n_train), batch_size=batch_size, shuffle=True, num_workers=0),
            "val": DataLoader(make(n_val), batch_size=batch_size, shuffle=False, num_workers=0)}


def run(checkpoint, epochs, on_epoch=None, n_train=64, train_model=None):
    """Seed, build, train on the CPU with a checkpoint through the one loop: the same every time."""
    from catdog_lib.train.loop import seed_everything, train

    seed_everything(0)
    loaders = synthetic_loaders(n_train=n_train)
    model = tiny_model()
    return train(model, loaders, epochs=epochs, lr=0.05, step_size=3, gamma=0.5, device="cpu",
                 checkpoint=checkpoint, identity={"arch": "tiny", "size": 12}, progress=False,
                 on_epoch=on_epoch, train_model=train_model)


if __name__ == "__main__":
    import catdog_lib.train.loop  # noqa: F401  (imported before "ready": the kills land in the training)

    torch.set_num_threads(1)
    path, epochs = sys.argv[1], int(sys.argv[2])
    print("ready", flush=True)
    run(path, epochs, on_epoch=lambda h: print(f"epoch {len(h['lr'])}", flush=True), n_train=int(sys.argv[3]))
    print("done", flush=True)
