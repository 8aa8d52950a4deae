"""What hardware is this? Pick the device to train on, and describe the machine."""
import os
import platform

import torch

from .i18n import tr


def pick_device(prefer=None):
    """Choose the device to train on.

    A GPU trains a ResNet tens of times faster than a CPU, so we take the
    best one there is: an NVIDIA GPU (``cuda``), else Apple's GPU (``mps``),
    else the CPU.

    Pass ``prefer`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``, any case)
    to ask for one device. If that device is not available here we raise a
    ``ValueError`` rather than quietly fall back: training an hour on the CPU
    by mistake is worse than an error.
    """
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")

    name = str(prefer).strip().lower()
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"{prefer!r} is not a device name: use 'cpu', 'cuda', 'cuda:N' or 'mps'") from None
    if device.type == "cpu":
        return device
    if device.type == "cuda" and torch.cuda.is_available():
        if device.index is None or device.index < torch.cuda.device_count():
            return device
    if device.type == "mps" and torch.backends.mps.is_available():
        return device
    raise ValueError(f"device {prefer!r} is not available on this machine")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def total_ram():
    """Bytes of physical memory, or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def available_ram():
    """Bytes of RAM the system could give us now (``MemAvailable`` of /proc/meminfo); elsewhere the total."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return total_ram()  # not Linux: total physical memory is the best we know


def hardware_report():
    """A dict describing this machine: CPU, RAM, GPUs, CUDA and library versions."""
    import torchvision

    gpus = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            gpus.append({"name": props.name, "memory_bytes": props.total_memory,
                         "capability": f"{props.major}.{props.minor}"})
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_bytes": total_ram(),
        "gpus": gpus,
        "mps": torch.backends.mps.is_available(),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "cudnn": cudnn if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "device": str(pick_device()),
    }


def format_report(report):
    """The hardware report as lines a person reads."""
    gib = 1024 ** 3
    ram = f"{report['ram_bytes'] / gib:.1f} GiB" if report.get("ram_bytes") else tr("unknown")
    lines = [
        tr("CPU:          {cpu} ({cores} cores)", cpu=report["cpu"], cores=report["cores"]),
        f"RAM:          {ram}",
    ]
    if report["gpus"]:
        for i, gpu in enumerate(report["gpus"]):
            lines.append(f"GPU {i}:        {gpu['name']} ({gpu['memory_bytes'] / gib:.1f} GiB)")
        lines.append(f"CUDA:         {report['cuda']}, cuDNN {report['cudnn']}")
    elif report.get("mps"):
        lines.append("GPU:          Apple GPU (mps)")
    else:
        lines.append(tr("GPU:          none (training runs on the CPU, slowly)"))
    lines += [
        f"torch:        {report['torch']}, torchvision {report['torchvision']}",
        f"Python:       {report['python']}",
        tr("Training on:  {device}", device=report["device"]),
    ]
    return "\n".join(lines)
