"""Write the five solution notebooks (solutions/*.ipynb) from the text in this file.

    .venv/bin/python tools/make_notebooks.py && .venv/bin/python -m catdog_lib build

The notebooks are the course; this script is only how they are authored, so
that prose, code and the piece cells stay reviewable as plain text. The piece
and check cells come from ``catdog_lib.course.cells`` (the reference code of
each piece, between nbgrader's solution markers), the Colab address from
``catdog_lib.settings.KIT_REPO``, and the import lines from
``catdog_lib.course.pieces.PRELUDE_IMPORTS``, so none of them is written twice.
Cell ids are fixed (``NN-MM``), so running this again gives the same bytes.
"""
import sys
from pathlib import Path
from textwrap import dedent

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catdog_lib.course.cells import check_cell, piece_cell  # noqa: E402
from catdog_lib.settings import COLAB_DIR, KIT_GIT_URL, colab_badge  # noqa: E402


def prelude_imports():
    from catdog_lib.course.pieces import PRELUDE_IMPORTS

    return PRELUDE_IMPORTS if isinstance(PRELUDE_IMPORTS, str) else "\n".join(PRELUDE_IMPORTS)


def md(text):
    return nbformat.v4.new_markdown_cell(dedent(text).strip("\n"))


def code(text):
    return nbformat.v4.new_code_cell(dedent(text).strip("\n"))


def piece(name):
    """The learner's cell for piece ``name``, and the locked cell that checks it."""
    return [piece_cell(name), check_cell(name)]


def header(file_name, title, minutes, goals, intro):
    goal_lines = "\n".join(f"- {g}" for g in goals)
    return [nbformat.v4.new_markdown_cell(
        f"{colab_badge(file_name)}\n\n# {title}\n\n{dedent(intro).strip()}\n\n**You will:**\n\n{goal_lines}\n\n"
        f"**Time:** about {minutes} minutes (more if you read every docstring, which you should).")]


def setup(extra_imports=""):
    """The first code cell: the kit in Colab or JupyterLab, the course magics, the shared imports."""
    extra = dedent(extra_imports).strip("\n")
    return [
        md("""
        ## Setup

        Run the next cell first. In **Colab** it downloads the kit and installs it (about a minute, once per
        runtime). In **JupyterLab** on your own machine the kit is already installed and the cell only loads it.
        Then `%load_ext catdog_lib` adds four commands to this notebook: `%%piece` (save and run a piece you
        write), `%check` (judge it), `%hint` (get a hint) and `%progress` (see every piece).
        """),
        code(dedent(f'''
        # Setup: the kit, the course commands, and the imports every lesson shares.
        import importlib, importlib.util, os, subprocess, sys

        if importlib.util.find_spec("catdog_lib") is None:  # no kit in this Python: Colab, most likely
            if importlib.util.find_spec("google.colab") is None:
                raise RuntimeError("catdog_lib is not installed in this Python: in the kit's folder run "
                                   "`make lab` (or `pip install -e .`) and open the lessons from there")
            KIT = "{COLAB_DIR}"
            if not os.path.isdir(KIT):
                subprocess.run(["git", "clone", "--depth", "1", "{KIT_GIT_URL}", KIT], check=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", KIT], check=True)
            sys.path.insert(0, KIT)  # this running Python does not see the new install otherwise
            importlib.invalidate_caches()
            os.chdir(KIT)

        %load_ext catdog_lib

        # The names every piece may use, and the kit's reference pieces (yours replace them as you write them):
        {{PRELUDE}}

        # What this lesson uses besides:
        from catdog_lib.settings import load_settings
        {{EXTRA}}
        ''').replace("{PRELUDE}", prelude_imports().strip("\n")).replace("{EXTRA}", extra).rstrip()),
    ]


def settings_cell(call, note=""):
    return [
        md(f"""
        ## Settings

        Everything you might want to change is in the next cell. Each value can also come from an
        environment variable (`CATDOG_EPOCHS=1`, `CATDOG_SIZE=64`, `CATDOG_DATA=/path/to/photos`...), which wins
        over the cell: that is how an instructor or a test runs this notebook small without editing it. The table
        says where each value came from. {dedent(note).strip()}
        """),
        code(f"""
        settings = {call}
        settings
        """),
    ]


def summary(points, next_up):
    lines = "\n".join(f"- {p}" for p in points)
    return [
        nbformat.v4.new_markdown_cell(
            f"## Summary\n\n{lines}\n\n{dedent(next_up).strip()} `%progress` below shows every piece of the "
            "course and where you stand."),
        code("%progress"),
    ]


# --------------------------------------------------------------------------------------------------
NB01 = "01_setup_and_hardware.ipynb"


def notebook_01():
    return [
        *header(NB01, "01 · Setup and hardware", 25, [
            "see what hardware this notebook runs on, and why a GPU matters for training",
            "get a GPU in Colab",
            "write your first piece, `pick_device`, and check it",
            "get the photos: from Kaggle with an API token, or without an account",
        ], """
        This course teaches a computer to tell photos of cats from photos of dogs. We start from a network that
        has already learned to see (a ResNet18 trained on ImageNet's 1.2 million photos) and teach it our two
        classes: *transfer learning*. Over four lessons you write the ten functions, the **pieces**, that do
        the work; in the fifth you train on the whole data set and classify your own photos.
        """),
        *setup("""
        from catdog_lib.hardware import format_report, hardware_report
        from catdog_lib.settings import get_photos
        from catdog_lib.sources import find_kaggle_credentials, install_kaggle_json
        """),
        *settings_cell("load_settings(size=224, batch_size=32, cpu=dict(size=112, batch_size=16))"),
        md("""
        ## What are we running on?

        Training a neural network is mostly multiplying large matrices, millions of times. A CPU has a handful
        of cores that each do one thing fast; a GPU has thousands of small cores that do the same thing to many
        numbers at once, which is exactly what a matrix product needs. For our ResNet18 that is the difference
        between minutes and hours.

        Here is this machine:
        """),
        code("print(format_report(hardware_report()))"),
        md("""
        ### Getting a GPU in Colab

        If the report says *GPU: none* and you are in Colab: **Runtime → Change runtime type → Hardware
        accelerator: GPU (T4)**, then **Save**. The runtime restarts, so run the setup cell again. Colab's free
        GPUs are shared: you may have to wait for one, and a runtime left idle is taken back after a while (the
        last lesson saves its progress so that a disconnect costs you little).

        On your own computer: an NVIDIA GPU with a CUDA build of PyTorch shows up as `cuda`; a Mac with Apple
        silicon as `mps`. Lessons 01 to 04 run fine on a CPU; lesson 05 wants a GPU.
        """),
        md("""
        ## Your first piece: `pick_device`

        PyTorch runs a computation where its tensors are: `torch.device("cuda")`, `torch.device("mps")` or
        `torch.device("cpu")`. Every later lesson asks *which device should we train on?*, so we write that
        once. The rules:

        - `pick_device()` returns the best device there is: `cuda` if `torch.cuda.is_available()`, else `mps` if
          `torch.backends.mps.is_available()`, else `cpu`. Always a `torch.device`, never a string.
        - `pick_device("cuda")` (or `"CPU"`, `"cuda:1"`, `"mps"`, any case) returns that device when it is
          available, and raises a `ValueError` naming it when it is not. Quietly falling back to the CPU would
          turn a ten-minute run into a ten-hour one without telling you.

        Write the body of the function below, run the cell (that saves it to your workspace), then run the
        check under it. Stuck? `%hint pick_device` gives a hint, one more each time.
        """),
        *piece("pick_device"),
        md("""
        `%check` ran your function against a set of checks in a separate process, so an edit you make and run
        again is judged afresh. Let us use it. The settings may name a device (`CATDOG_DEVICE`); otherwise we
        take the best one:
        """),
        code("""
        device = pick_device(settings.device)
        device
        """),
        md("""
        ### How much faster is a GPU?

        A picture says it better than the spec sheet: we time a ResNet18 classifying a batch of random images
        on each device we have (random weights: we measure speed, not skill). On a CPU expect tens of images a
        second; a Colab T4 GPU does many hundreds.
        """),
        code("""
        import matplotlib.pyplot as plt

        def images_per_second(device, size, batch=8, repeats=3):
            model = models.resnet18(weights=None).to(device).eval()
            images = torch.randn(batch, 3, size, size, device=device)
            with torch.no_grad():
                model(images)  # warm up: the first call sets things up
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                for _ in range(repeats):
                    model(images)
                if device.type == "cuda":
                    torch.cuda.synchronize()
            return batch * repeats / (time.perf_counter() - start)

        devices = [torch.device("cpu")] + ([device] if device.type != "cpu" else [])
        speeds = {str(d): images_per_second(d, settings.size) for d in devices}
        fig, ax = plt.subplots(figsize=(6, 1.2 + 0.5 * len(speeds)))
        ax.barh(list(speeds), list(speeds.values()), color=["tab:gray", "tab:orange"][:len(speeds)])
        for i, v in enumerate(speeds.values()):
            ax.text(v, i, f" {v:,.0f} images/s", va="center")
        ax.set_xlabel(f"ResNet18 images per second at {settings.size} px (higher is better)")
        ax.set_xlim(0, max(speeds.values()) * 1.35)
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        """),
        md(f"""
        ## The photos

        We use Kaggle's **Dogs vs. Cats** competition: 25,000 labelled photos, half cats, half dogs, of every
        kind, taken by people all over the world. Kaggle wants to know who downloads its data, so you need a
        free account and an **API token**:

        1. Sign in at [kaggle.com](https://www.kaggle.com), open **Settings**, find **API** and click **Create New
           Token**. Your browser downloads `kaggle.json`, which holds your user name and a secret key. Treat it
           like a password: never paste it in a notebook you share.
        2. Accept the competition's rules once, on the web: open
           [{'https://www.kaggle.com/c/dogs-vs-cats/rules'}]({'https://www.kaggle.com/c/dogs-vs-cats/rules'}) and click
           **I Understand and Accept**. Without that, Kaggle answers *403 Forbidden*.
        3. Put the token where the `kaggle` package finds it, one of:
           - **Colab:** run the next cell and upload `kaggle.json` (it is saved to `~/.kaggle/kaggle.json`, readable
             only by you). Or add `KAGGLE_USERNAME` and `KAGGLE_KEY` as Colab *secrets* (the key icon on the left).
           - **Your machine:** move it to `~/.kaggle/kaggle.json` (`chmod 600 ~/.kaggle/kaggle.json`), or set the
             `KAGGLE_USERNAME` and `KAGGLE_KEY` environment variables.

        **No Kaggle account?** The kit falls back to the Oxford-IIIT Pet photos (7,400 photos of 37 breeds, no
        account needed). **Photos already on disk?** Set `CATDOG_DATA` to their folder (files named like
        `cat.12.jpg`, or `train/` and `val/` folders of `cat/` and `dog/`); then nothing is downloaded.
        """),
        code("""
        # Where will the photos come from? (Uploads kaggle.json in Colab when you have no token yet.)
        credentials = find_kaggle_credentials()
        if settings.data:
            print(f"Using the photos in {settings.data} (CATDOG_DATA): no download needed.")
        elif credentials:
            print(f"Kaggle token found in {credentials}.")
        elif importlib.util.find_spec("google.colab") is not None:
            from google.colab import files, userdata
            try:  # Colab secrets (the key icon on the left), when you added them and let this notebook read them
                os.environ["KAGGLE_USERNAME"] = userdata.get("KAGGLE_USERNAME")
                os.environ["KAGGLE_KEY"] = userdata.get("KAGGLE_KEY")
                print("Kaggle token taken from your Colab secrets.")
            except Exception:
                print("Upload your kaggle.json (or cancel to use the Oxford-IIIT Pet photos instead):")
                for name, data in files.upload().items():
                    print(f"Saved your token to {install_kaggle_json(data)}")
        else:
            print("No Kaggle token: we will use the Oxford-IIIT Pet photos. See the steps above to use Kaggle's.")
        """),
        md("""
        Now get the photos. The first time this downloads about 800 MB and unpacks it (a few minutes); after
        that it finds them on disk and returns at once. It also sets aside a quarter of them for *validation*:
        lesson 02 is about why, and has you write the code that does it.
        """),
        code("""
        photos = get_photos(settings)
        """),
        md("""
        ## Summary

        - A GPU trains tens of times faster than a CPU; in Colab, ask for one in *Change runtime type*.
        - `pick_device` picks the best device, or the one you ask for, and refuses loudly when it is missing.
        - The photos come from Kaggle (token + rules), from the Oxford-IIIT Pet set, or from `CATDOG_DATA`.

        Next, lesson 02: look at the photos before trusting them, and split them into training and validation
        sets. `%progress` below shows every piece of the course and where you stand.
        """),
        code("%progress"),
    ]


# --------------------------------------------------------------------------------------------------
NB02 = "02_data_and_splits.ipynb"


def notebook_02():
    return [
        *header(NB02, "02 · The data, and a fair split", 30, [
            "read the label out of a Kaggle file name (`label_from_filename`)",
            "look at the data before trusting it: balance, sizes, unreadable files, odd photos",
            "split it into training and validation sets, stratified and repeatable (`split_items`)",
            "lay the split out in the folders PyTorch reads (`arrange_imagefolder`), and prove no photo is in both",
        ], """
        A model is only as good as its data, and a score is only as honest as its validation set. This lesson
        is about both: we look hard at the photos, then split them so that the score we measure later means
        something.
        """),
        *setup("""
        import collections
        import matplotlib.pyplot as plt
        from catdog_lib.paths import data_root
        from catdog_lib.plots import show_batch
        import tempfile
        from catdog_lib.prepare import index_images
        from catdog_lib.settings import get_photos
        """),
        *settings_cell("load_settings(subset=0, cpu=dict(subset=4000))",
                       "`subset` takes that many photos (half cats, half dogs) to keep this lesson quick."),
        md("""
        ## The file names are the labels

        In Kaggle's data each photo is named `<label>.<number>.jpg`: `cat.0.jpg`, `dog.1773.jpg`. There is no
        separate list of labels: the name is the label. Let us get the folder of photos (downloaded in lesson
        01; this finds them again, or downloads them in a fresh Colab runtime) and look at a few names:
        """),
        code("""
        photos = get_photos(settings)
        names = sorted(record.path.name for record in photos.images)
        print(len(names), "photos, for example:", names[:3], names[-3:])
        """),
        md("""
        ### Piece: `label_from_filename`

        Write `label_from_filename(path)`: it takes a `str` or a `pathlib.Path`, looks at the file *name* only
        (not the folders above it), and returns `"cat"` or `"dog"` in lower case: `Dog.7.JPG` is a dog too. Be
        strict: the label is the whole part before the first dot. `catalog.jpg` is not a cat and `hotdog.1.jpg`
        is not a dog, and a name that is not `cat.N.ext` or `dog.N.ext` raises a `ValueError` that names the
        file. A loud error now beats a photo with a made-up label hiding in the training set.

        `Path(path).name` gives the file name; `str.split(".")` cuts it at the dots.
        """),
        *piece("label_from_filename"),
        md("""
        Your function labels every photo. (The Oxford-IIIT Pet photos are named by breed, `Abyssinian_12.jpg`,
        so for them the labels come from the data set's own list instead.)
        """),
        code("""
        if photos.source == "oxford-pets":
            items = [(record.path, record.label) for record in photos.images]
        else:
            items = [(record.path, label_from_filename(record.path)) for record in photos.images]
        if settings.subset:  # the same photos every run: a seeded choice, half of each class
            rng = random.Random(settings.seed)
            items = [item for label in ("cat", "dog")
                     for item in rng.sample([it for it in items if it[1] == label],
                                            min(settings.subset // 2, sum(it[1] == label for it in items)))]
        print(f"{len(items)} labelled photos, for example {Path(items[0][0]).name} -> {items[0][1]!r}")
        """),
        md("""
        ## Look before you trust

        Before training on anything, look at it. Real folders of photos hold surprises: a file that was cut off
        while downloading, a text file with a `.jpg` name, a GIF. Reading each file's *header* (the first bytes,
        which give format and size, without decoding the pixels) finds them in seconds. Here is what the
        indexer says about a small folder of such troublemakers:
        """),
        code("""
        mess = Path(tempfile.mkdtemp())
        real = photos.images[0].path.read_bytes()
        (mess / "cat.1.jpg").write_bytes(real)                    # fine
        (mess / "cat.2.jpg").write_bytes(real[: len(real) // 3])  # cut off while downloading
        (mess / "dog.3.jpg").write_text("<html>Access denied</html>")  # a web page saved as .jpg
        (mess / "dog.4.txt").write_text("notes")                  # not a photo at all
        (mess / "bird.5.jpg").write_bytes(real)                   # a photo, but not a cat or dog name
        ok, bad = index_images(mess)
        print("usable:", [record.path.name for record in ok])
        for path, reason in bad:
            print(f"skipped {Path(path).name}: {reason}")
        print(f"\\nIn our photos: {len(photos.images)} usable, {len(photos.skipped)} skipped.")
        for path, reason in photos.skipped[:10]:
            print(f"  skipped {Path(path).name}: {reason}")
        """),
        md("""
        ### Balance

        If nine photos in ten were dogs, a model that always says *dog* would score 90 %. So first: how many of
        each?
        """),
        code("""
        counts = collections.Counter(label for _, label in items)
        labels = sorted(counts)
        fig, ax = plt.subplots(figsize=(5, 2.2))
        ax.barh(labels, [counts[label] for label in labels], color=["tab:orange", "tab:blue"])
        for i, label in enumerate(labels):
            ax.text(counts[label], i, f" {counts[label]}", va="center")
        ax.invert_yaxis()
        ax.set_xlim(0, max(counts.values()) * 1.2)
        ax.set_title("photos per class")
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        """),
        md("""
        Balanced: accuracy will be a fair measure, and 50 % is what guessing scores.

        ### Sizes

        The network wants every image the same size (lesson 03 resizes them). How different are they to start
        with? Each dot is a photo:
        """),
        code("""
        images = photos.images
        sizes = collections.Counter((im.width, im.height) for im in images)
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter([w for w, h in sizes], [h for w, h in sizes], s=[8 + 400 * n / len(images) for n in sizes.values()],
                   alpha=0.4)
        ax.set_xlabel("width (pixels)")
        ax.set_ylabel("height (pixels)")
        if len(sizes) == 1:
            (w, h), = sizes
            ax.set_title(f"all {len(images)} photos are {w} × {h}: resized beforehand")
        else:
            ax.set_title(f"{len(images)} photos, {len(sizes)} different sizes (dot area: how many)")
        top = max(max(w for w, _ in sizes), max(h for _, h in sizes)) * 1.1
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal")
        plt.show()
        """),
        md("""
        Kaggle's originals come in hundreds of sizes, up to 500 pixels on a side, portrait and landscape; a
        copy that was resized beforehand (like the 200 × 200 one the course tests use) shows a single dot.

        ### A random sample

        Run this cell a few times: each run shows sixteen other photos with their labels.
        """),
        code("""
        sample = random.sample(items, 16)
        show_batch([path for path, _ in sample], [["cat", "dog"].index(label) for _, label in sample],
                   ["cat", "dog"], ncols=8)
        """),
        md("""
        ### Odd ones

        Look long enough and you find photos that are not what their label says. Kaggle's training set holds,
        among the "dogs", an animal shelter's sign, a trailer, a drawing saying *photo coming soon*, a cartoon
        poodle, and Albert Einstein. Others show a cat *and* a dog, or a person holding a tiny kitten. Here are
        five we know of, where your copy has them:
        """),
        code("""
        odd = ["dog.1043.jpg", "dog.1194.jpg", "dog.1773.jpg", "dog.1895.jpg", "dog.1259.jpg"]
        by_name = {record.path.name: record.path for record in photos.images}
        found = [by_name[name] for name in odd if name in by_name]
        if found:
            display(show_batch(found, [["cat", "dog"].index(label_from_filename(p)) for p in found], ["cat", "dog"], ncols=5))
        else:
            print("None of the known odd photos is in this copy of the data.")
        """),
        md("""
        A few wrong labels among thousands do little harm to training; the model will simply be unsure about
        them (lesson 05 finds them again among its *top losses*). They matter more in the validation set,
        where they cost accuracy the model cannot earn. We keep them: cleaning data by hand does not scale, and
        seeing how the model treats them is instructive.

        ## A fair split

        We will judge the model on photos it never trained on: the **validation set**. A model can memorise its
        training photos; only photos it has not seen tell us whether it learned *cats and dogs*. So:

        - **Random.** Kaggle's numbering may follow the order photos were collected; a random split avoids
          taking, say, all the early (perhaps better) photos for training.
        - **Stratified.** Split the cats and the dogs each on their own, so both sets have the same share of
          each class as the whole.
        - **75 / 25.** A quarter for validation: enough photos for a stable score (1 photo is 0.016 % of
          6,250), three quarters left to learn from. 80/20 and 70/30 are common too; with less data, keep more
          for training.
        - **Repeatable.** The same seed gives the same split. If a restart reshuffled, photos that were in
          validation would land in training: the model would be scored on photos it has seen, a *leak*.
        - **Never trained on.** Not even "just for the last epoch". Choosing the best epoch by validation
          accuracy already uses it a little; a third, *test* set, looked at once at the very end, is the
          strict answer.

        ### Piece: `split_items`

        Write `split_items(items, val_fraction=0.25, seed=0)`. `items` is a list of `(path, label)` pairs; return
        `(train, val)`, two lists of those same pairs. Group the items by label; for each label shuffle a *copy*
        of its group with `random.Random(seed)` (your own generator: the global one belongs to everyone), put
        `round(len(group) * val_fraction)` of them in `val` and the rest in `train`. Shuffle both lists at the
        end, so they are not all cats then all dogs. A `val_fraction` outside (0, 1) raises `ValueError`.
        """),
        *piece("split_items"),
        code("""
        train_items, val_items = split_items(items, val_fraction=0.25, seed=settings.seed)
        table = {split: collections.Counter(label for _, label in part)
                 for split, part in (("train", train_items), ("val", val_items))}
        fig, ax = plt.subplots(figsize=(6, 2.2))
        left = {"train": 0, "val": 0}
        for label, colour in (("cat", "tab:orange"), ("dog", "tab:blue")):
            widths = [table[s][label] for s in ("train", "val")]
            ax.barh(["train", "val"], widths, left=[left[s] for s in ("train", "val")], color=colour, label=label)
            for s, w in zip(("train", "val"), widths):
                ax.text(left[s] + w / 2, ["train", "val"].index(s), str(w), ha="center", va="center", color="white")
                left[s] += w
        ax.invert_yaxis()
        ax.legend(loc="lower right")
        ax.set_title("the split: same share of cats and dogs on both sides")
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        """),
        md("""
        ### Piece: `arrange_imagefolder`

        PyTorch's `ImageFolder` (lesson 03) reads a folder with one sub-folder per class. Write
        `arrange_imagefolder(train_items, val_items, dest, link=True)`: it makes `dest/train/<label>/<file name>`
        and `dest/val/<label>/<file name>`. With `link`, each is a *symbolic link* to the photo (`os.symlink`:
        instant, no extra disk), falling back to a copy (`shutil.copy2`) where links are not allowed; without
        it, a copy. Remove old `dest/train` and `dest/val` folders first, so that no photo of an earlier split
        is left behind (and never touch the source photos). Return the counts:
        `{"train": {"cat": n, "dog": m}, "val": {...}}`.
        """),
        *piece("arrange_imagefolder"),
        code("""
        split_dir = data_root() / "lesson02-split"
        counts = arrange_imagefolder(train_items, val_items, split_dir)
        for split in ("train", "val"):
            print(f"{split_dir / split}: " + ", ".join(f"{n} {label}s" for label, n in sorted(counts[split].items())))
        """),
        md("""
        ### No photo in both sets

        The one thing a split must never do. Trust, but verify: collect the file names on each side.
        """),
        code("""
        in_train = {p.name for p in (split_dir / "train").rglob("*.jpg")}
        in_val = {p.name for p in (split_dir / "val").rglob("*.jpg")}
        both = in_train & in_val
        fig, ax = plt.subplots(figsize=(6, 1.6))
        ax.barh(["in both", "val only", "train only"], [len(both), len(in_val - in_train), len(in_train - in_val)],
                color=["tab:red", "tab:green", "tab:blue"])
        for i, n in enumerate([len(both), len(in_val - in_train), len(in_train - in_val)]):
            ax.text(n, i, f" {n}", va="center")
        ax.set_xlim(0, len(in_train) * 1.2)
        ax.set_title("photos by where they are: nothing in both" if not both else "LEAK: photos in both sets!")
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        assert not both, f"{len(both)} photos are in both sets"
        """),
        *summary([
            "The Kaggle file name is the label; `label_from_filename` reads it strictly and refuses anything else.",
            "Look at the data first: it is balanced, its sizes vary, and a few photos are not what they say.",
            "A random, stratified, seeded 75/25 split; the validation photos are never trained on.",
            "`arrange_imagefolder` lays the split out as `train/cat`, `train/dog`, `val/cat`, `val/dog`.",
        ], "Next, lesson 03: turn photos into the tensors the network eats."),
    ]


# --------------------------------------------------------------------------------------------------
NB03 = "03_preprocessing.ipynb"


def notebook_03():
    return [
        *header(NB03, "03 · Preprocessing: from photos to tensors", 25, [
            "see why every image is resized, cropped and normalized with ImageNet's statistics",
            "see what augmentation does, and why only during training",
            "write `build_transforms` and watch one photo go through it eight times",
            "write `make_loaders` and look at a batch as the network sees it",
        ], """
        A network does not see a JPEG: it sees a tensor of numbers, all of the same shape, on the scale it was
        trained on. This lesson builds the pipeline that gets there.
        """),
        *setup("""
        import matplotlib.pyplot as plt
        from catdog_lib.plots import denormalize, show_batch
        from catdog_lib.settings import lesson_data
        """),
        *settings_cell("load_settings(size=224, batch_size=16, subset=2000, cpu=dict(subset=1000))"),
        md("""
        We need the photos split into `train/` and `val/` folders, as lesson 02 made them. This gets them (and
        takes `subset` of them, when set):
        """),
        code("data_dir = lesson_data(settings)"),
        md("""
        ## Resize, crop, normalize

        Our ResNet18 was trained on ImageNet photos that were:

        1. **resized and cropped** to 224 × 224 pixels: a batch is one tensor, so all images must share a
           shape. For evaluation the short side is resized to 256 and the 224 × 224 centre cut out (the
           border rarely holds the subject).
        2. **converted to numbers in [0, 1]**: `ToTensor` turns a `H × W` RGB image into a `3 × H × W` float
           tensor.
        3. **normalized** per colour channel with ImageNet's mean `IMAGENET_MEAN` and standard deviation
           `IMAGENET_STD`: `(x - mean) / std`, so each channel is centred on 0 with spread about 1. The
           pretrained weights expect exactly this; feed them other statistics and they see a strange world.

        ## Augmentation

        With a few thousand photos, a network can memorise them. **Augmentation** shows it a slightly different
        version of each photo every epoch: `RandomResizedCrop` takes a random part (8 % to 100 % of the area,
        a random aspect ratio) and resizes it to `size`; `RandomHorizontalFlip` mirrors half of them. A cat
        facing left is still a cat. Only for training: validation must be **deterministic**, so that its score
        changes only when the model does.

        ### Piece: `build_transforms`

        Write `build_transforms(train, size=224)` returning one callable (`transforms.Compose([...])`) that
        takes a PIL image of any mode and returns a float tensor `3 × size × size`:

        - first convert to RGB (`transforms.Lambda(lambda im: im.convert("RGB"))`): some photos are grayscale
          or have an alpha channel;
        - training: `RandomResizedCrop(size)`, `RandomHorizontalFlip()`, `ToTensor()`,
          `Normalize(IMAGENET_MEAN, IMAGENET_STD)`;
        - evaluation: `Resize(round(size * 256 / 224))`, `CenterCrop(size)`, `ToTensor()`, the same `Normalize`.
        """),
        *piece("build_transforms"),
        md("""
        ### One photo, eight times

        The training transforms draw new random numbers on every call. Here is one photo of the training set,
        first as the evaluation transforms see it (always the same), then eight times through the training
        transforms:
        """),
        code("""
        photo = sorted((data_dir / "train" / "cat").iterdir())[0]
        image = Image.open(photo)
        train_tf, eval_tf = build_transforms(train=True, size=settings.size), build_transforms(train=False, size=settings.size)
        tensors = [eval_tf(image)] + [train_tf(image) for _ in range(8)]
        print("one tensor:", tuple(tensors[0].shape), tensors[0].dtype,
              f"values from {tensors[0].min():.2f} to {tensors[0].max():.2f}")
        fig, axes = plt.subplots(3, 3, figsize=(7.5, 8))
        for i, (ax, t) in enumerate(zip(axes.flat, tensors)):
            ax.imshow(denormalize(t))
            ax.set_title("evaluation (always this)" if i == 0 else f"training, draw {i}", fontsize=10,
                         color="tab:blue" if i == 0 else "black")
            ax.axis("off")
        fig.tight_layout()
        plt.show()
        """),
        md("""
        The numbers run from about -2 to +2.6, not 0 to 255: that is the normalization. To *show* a tensor we
        undo it (`denormalize`: times the std, plus the mean). Some training crops are tight, some miss the
        head: the network learns from all of them that this is a cat.

        ## Batches: `DataLoader`

        `datasets.ImageFolder(folder, transform)` lists `folder/<class>/*` and gives `(tensor, class index)`
        pairs, the classes numbered in sorted order (`cat` 0, `dog` 1). A `DataLoader` groups them into
        batches: a `B × 3 × size × size` tensor of images and a tensor of `B` labels.

        ### Piece: `make_loaders`

        Write `make_loaders(data_dir, batch_size=32, num_workers=0, size=224)`. Make an `ImageFolder` on
        `data_dir/train` with the training transforms and one on `data_dir/val` with the evaluation transforms;
        then a `DataLoader` for each: training **shuffles** (each batch a mix, each epoch a new order), validation
        does **not** shuffle and keeps its last, smaller batch (`drop_last` stays `False`) so every validation
        photo counts once. Return `({"train": ..., "val": ...}, class_names)`, where `class_names` is the
        training dataset's `.classes`.
        """),
        *piece("make_loaders"),
        code("""
        loaders, class_names = make_loaders(data_dir, batch_size=settings.batch_size, size=settings.size)
        for split, loader in loaders.items():
            print(f"{split}: {len(loader.dataset)} photos in {len(loader)} batches of up to {loader.batch_size}")
        print("classes:", class_names)
        """),
        md("""
        ### A batch, as the network sees it

        One batch from the training loader, denormalized to show, each photo titled with its label. Note the
        crops and flips, and that cats and dogs come mixed: that is the shuffle.
        """),
        code("""
        images, labels = next(iter(loaders["train"]))
        print("images:", tuple(images.shape), " labels:", labels.tolist())
        show_batch(images, labels, class_names, ncols=8)
        """),
        *summary([
            "Every photo becomes a normalized `3 × size × size` tensor, as the pretrained network expects.",
            "Training adds random crops and flips (augmentation); evaluation is deterministic.",
            "`make_loaders` gives shuffled training batches and every validation photo exactly once.",
        ], "Next, lesson 04: the model and the training loop."),
    ]


# --------------------------------------------------------------------------------------------------
NB04 = "04_training.ipynb"


def notebook_04():
    return [
        *header(NB04, "04 · Training", 40, [
            "replace the last layer of an ImageNet ResNet18 for our two classes (`build_model`)",
            "write one pass over the data, for training and for evaluation (`run_epoch`)",
            "write the loop: epochs, SGD with momentum, a StepLR schedule, the best weights kept (`train_model`)",
            "classify one photo (`predict_image`), after a short run that a laptop CPU finishes in minutes",
        ], """
        Everything so far prepared the data. Now the model learns. We write the classic PyTorch fine-tuning
        loop, one piece at a time, and run it on a small subset so that it finishes on a CPU.
        """),
        *setup("""
        import matplotlib.pyplot as plt
        from catdog_lib.model import ensure_pretrained_weights
        from catdog_lib.plots import plot_history, plot_lr_schedule, plot_probabilities
        from catdog_lib.settings import lesson_data
        """),
        *settings_cell("load_settings(size=224, epochs=5, subset=2000, batch_size=32, "
                       "cpu=dict(size=112, epochs=3, subset=600, batch_size=16))",
                       "On a CPU the defaults are small (600 photos, 112 px, 3 epochs: a few minutes); lesson 05 "
                       "trains on everything."),
        code("""
        data_dir = lesson_data(settings)
        device = pick_device(settings.device)
        loaders, class_names = make_loaders(data_dir, batch_size=settings.batch_size, size=settings.size)
        print(f"{len(loaders['train'].dataset)} training and {len(loaders['val'].dataset)} validation photos, on {device}")
        """),
        md("""
        ## The model: transfer learning

        A ResNet18 is 18 layers of convolutions that turn an image into 512 numbers describing it, followed by
        one linear layer `fc` that turns those 512 numbers into a score for each of ImageNet's 1,000 classes.
        The convolutions learned, from 1.2 million photos, to see edges, fur, eyes, ears: useful for us too.
        The last layer knows ImageNet's classes, not ours, so we **replace it** with a new
        `nn.Linear(512, 2)`, and train.

        Two ways: train everything (*fine-tuning*, what we do), or freeze the convolutions and train only the
        new layer (*feature extraction*: faster, a little less accurate).

        ### Piece: `build_model`

        Write `build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False)`: make
        `models.resnet18(weights=weights)` (`"DEFAULT"` loads the ImageNet weights, `None` starts from random
        numbers); if `freeze_backbone`, set `requires_grad = False` on every parameter; then replace
        `model.fc` by `nn.Linear(model.fc.in_features, num_classes)`. Freeze *before* replacing, so the new
        layer stays trainable.
        """),
        *piece("build_model"),
        code("""
        if settings.weights:  # ImageNet's weights: downloaded once into torch's cache, or a message saying why not
            ensure_pretrained_weights(settings.weights)
        model = build_model(num_classes=len(class_names), weights=settings.weights).to(device)
        blocks = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"]
        sizes = [sum(p.numel() for p in getattr(model, b).parameters()) for b in blocks]
        fig, ax = plt.subplots(figsize=(7, 2.6))
        ax.bar(blocks, sizes, color=["tab:gray"] * 6 + ["tab:orange"])
        ax.set_yscale("log")
        ax.set_ylabel("parameters")
        ax.set_title(f"ResNet18: {sum(sizes):,} parameters; the new fc (orange) has {sizes[-1]:,}")
        ax.spines[["top", "right"]].set_visible(False)
        plt.show()
        print(model.fc)
        """),
        md("""
        ## One epoch

        An **epoch** is one pass over all training photos. Each epoch has two phases:

        - **train**: `model.train()` (batch normalization uses each batch's statistics and updates its running
          averages), and for each batch: `optimizer.zero_grad()` (PyTorch *adds* gradients up, so clear the
          last batch's), forward, the **loss**, `loss.backward()` (the gradients), `optimizer.step()` (move
          each weight a little against its gradient);
        - **val**: `model.eval()` (fixed statistics) inside `torch.set_grad_enabled(False)` (or
          `torch.no_grad()`): no gradients to track, nothing changes, memory is spared.

        The loss is `nn.CrossEntropyLoss`: for each photo, minus the log of the probability the model gives the
        right class. 0 is perfect; guessing 50/50 gives ln 2 ≈ 0.69.

        ### Piece: `run_epoch`

        Write `run_epoch(model, loader, criterion, device, optimizer=None)`: one pass, training when given an
        optimizer, evaluating without. Move each batch to `device`. Return `(mean loss per photo, accuracy)` as
        Python floats: add `loss.item() * batch size` and the number of correct predictions
        (`outputs.argmax(1) == labels`) over all batches, divide by the number of photos at the end, so a
        short last batch weighs no more than its photos.
        """),
        *piece("run_epoch"),
        code("""
        criterion = nn.CrossEntropyLoss()
        loss, accuracy = run_epoch(model, loaders["val"], criterion, device)
        print(f"before training: val loss {loss:.3f} (guessing gives {math.log(2):.3f}), val accuracy {accuracy:.1%}")
        """),
        md("""
        ## The optimizer and the schedule

        **SGD with momentum**: each step moves the weights against the gradient, times the **learning rate**
        (`lr`); momentum (0.9) keeps 90 % of the previous step's direction, which smooths the path and speeds
        it up along a long valley. **StepLR** divides the learning rate by 10 every `step_size` epochs: big
        steps first, then small ones to settle into a minimum. Here is the schedule over 25 epochs with
        `step_size=7`, as in the classic PyTorch tutorial:
        """),
        code("""
        demo_opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=settings.lr, momentum=0.9)
        demo_sched = torch.optim.lr_scheduler.StepLR(demo_opt, step_size=7, gamma=0.1)
        lrs = []
        for epoch in range(25):
            lrs.append(demo_opt.param_groups[0]["lr"])
            demo_opt.step()
            demo_sched.step()
        plot_lr_schedule(lrs)
        """),
        md("""
        ## The loop

        ### Piece: `train_model`

        Write `train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None)`
        (`device=None`: where the model's parameters are, `next(model.parameters()).device`). For each epoch:
        record the learning rate (`optimizer.param_groups[0]["lr"]`), a training pass on `loaders["train"]`,
        `scheduler.step()` **once** (when there is a scheduler), an evaluation pass on `loaders["val"]`. Keep a
        **copy** of the weights of the epoch with the best validation accuracy (`copy.deepcopy(model.state_dict())`:
        without the copy you keep a reference to tensors that later epochs overwrite), and load it back into the
        model before returning `(model, history)`. `history` has a list under `train_loss`, `train_acc`,
        `val_loss`, `val_acc` and `lr`, one value per epoch.
        """),
        *piece("train_model"),
        md("""
        ### A short run

        A few epochs on the subset. On a laptop CPU this takes a few minutes; on a GPU, seconds.
        """),
        code("""
        torch.manual_seed(settings.seed)
        model = build_model(num_classes=len(class_names), weights=settings.weights).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=settings.lr, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
        started = time.perf_counter()
        model, history = train_model(model, criterion, optimizer, scheduler, loaders,
                                     num_epochs=settings.epochs, device=device)
        print(f"{time.perf_counter() - started:.0f} s; best val accuracy {max(history['val_acc']):.1%}")
        plot_history(history)
        """),
        md("""
        How to read the curves: training and validation loss both falling is learning. Training loss falling
        while validation loss rises is **overfitting** (the model memorises its photos). Validation accuracy
        above training accuracy is normal here: training photos are randomly cropped and harder. From ImageNet
        weights the model starts from features that already tell fur from floor, so even this short run should
        land far above guessing; from random weights (`CATDOG_WEIGHTS=none`) expect little better than 50 % in
        so short a run: the convolutions have everything still to learn.

        ## Classify one photo

        ### Piece: `predict_image`

        Write `predict_image(model, image, class_names, size=224, device=None)`. `image` is a PIL image, a path,
        or the bytes of an image file (`Image.open(io.BytesIO(data))`). Apply the EXIF orientation
        (`ImageOps.exif_transpose`: phones save photos sideways with a note on how to turn them), convert to
        RGB, apply the evaluation transforms, add a batch dimension (`unsqueeze(0)`), run the model in eval mode
        without gradients, and turn the two scores into probabilities with `torch.softmax`. Return
        `{class_name: probability}` with Python floats.
        """),
        *piece("predict_image"),
        code("""
        for label in class_names:
            photo = sorted((data_dir / "val" / label).iterdir())[0]
            probabilities = predict_image(model, photo, class_names, size=settings.size, device=device)
            fig = plot_probabilities(Image.open(photo), probabilities)
            fig.suptitle(f"a {label} the model never trained on ({photo.name})", x=0.3, fontsize=10)
            display(fig)
        """),
        *summary([
            "Transfer learning: ImageNet's ResNet18 with a new last layer for our two classes.",
            "`run_epoch` trains (`train()`, `zero_grad`, backward, step) or evaluates (`eval()`, no gradients).",
            "`train_model` runs the epochs, steps the schedule once an epoch, and keeps a copy of the best weights.",
            "`predict_image` turns one photo into a probability for each class.",
        ], "Next, lesson 05: all the photos, a GPU, and your own photos."),
    ]


# --------------------------------------------------------------------------------------------------
NB05 = "05_train_and_classify.ipynb"


def notebook_05():
    return [
        *header(NB05, "05 · Train on everything, and classify your photos", 30, [
            "train with *your* pieces wherever they pass their checks",
            "train on all the photos, from ImageNet weights, on a GPU, with live curves",
            "read the confusion matrix and the top losses: what the model gets wrong, and what that says about the data",
            "save the model (to Google Drive in Colab), survive a disconnect, and classify photos you upload",
        ], """
        This is the payoff. Everything you wrote in lessons 01 to 04 comes together to train a real classifier
        on all 25,000 photos; then you show it your own.
        """),
        *setup("""
        import matplotlib.pyplot as plt
        from IPython.display import Markdown
        from catdog_lib.bundle import save_bundle
        from catdog_lib.course.judge import learner_or_reference
        from catdog_lib.fast import fit_fast
        from catdog_lib.fit import fit
        from catdog_lib.model import ensure_pretrained_weights
        from catdog_lib.paths import kit_root
        from catdog_lib.plots import evaluate_predictions, plot_confusion_matrix, plot_history, plot_top_losses
        from catdog_lib.settings import lesson_data
        from catdog_lib.widgets import classify_uploads, show_uploads, upload_box
        """),
        *settings_cell("load_settings(size=224, epochs=5, subset=0, batch_size=128, lr=0.004, "
                       "cpu=dict(size=112, epochs=2, subset=1000, batch_size=16, lr=0.001))",
                       "On a GPU: all photos, 224 px, 5 epochs. On a CPU the defaults shrink so the notebook "
                       "still finishes in minutes."),
        md("""
        ## Your pieces, or ours

        Each of the ten pieces runs in *your* version when it passes its checks, and in the kit's reference
        version otherwise, so one unfinished piece does not stop you here. The table says which runs:
        """),
        code("""
        pieces, table = learner_or_reference()
        pick_device, make_loaders, build_model = pieces["pick_device"], pieces["make_loaders"], pieces["build_model"]
        run_epoch, predict_image = pieces["run_epoch"], pieces["predict_image"]
        table
        """),
        code("""
        device = pick_device(settings.device)
        if device.type == "cpu":
            display(Markdown(
                "**No GPU: training runs on the CPU.** The settings shrank to "
                f"{settings.subset or 'all'} photos at {settings.size} px for {settings.epochs} epochs so this "
                "finishes in minutes, and the model will be weaker. In Colab: *Runtime → Change runtime type → "
                "GPU*, then run the notebook again from the top."))
        else:
            display(Markdown(f"Training on **{torch.cuda.get_device_name(device) if device.type == 'cuda' else device}**."))
        """),
        md("""
        ## All the photos

        The same data code as lessons 02 and 03: the photos found or downloaded, split 75/25 with a fixed seed
        (the split is saved, so a restart never reshuffles), and laid out in `train/` and `val/` folders.
        """),
        code("""
        data_dir = lesson_data(settings)
        loaders, class_names = make_loaders(data_dir, batch_size=settings.batch_size, size=settings.size,
                                            num_workers=settings.workers)
        print(f"{len(loaders['train'].dataset)} training and {len(loaders['val'].dataset)} validation photos")
        """),
        md("""
        ## Train, and survive a disconnect

        Colab takes an idle or long-running runtime back without asking. So we train with a loop that saves a
        **checkpoint** after every epoch; if the runtime disconnects, run the notebook again from the top: it
        finds the checkpoint and carries on after the last finished epoch instead of starting over. In Colab,
        the checkpoint and the model go to your **Google Drive** if you let the next cell mount it (they outlive
        the runtime); otherwise to `runs/` in the kit.
        """),
        code("""
        run_dir = Path(os.environ.get("CATDOG_RUNS") or kit_root() / "runs") / "lesson05"
        if importlib.util.find_spec("google.colab") is not None and os.environ.get("CATDOG_DRIVE", "1") != "0":
            from google.colab import drive
            drive.mount("/content/drive")  # asks for permission; set CATDOG_DRIVE=0 to skip
            run_dir = Path("/content/drive/MyDrive/catdog/lesson05")
        run_dir.mkdir(parents=True, exist_ok=True)
        path_name = "fast" if settings.use_fast else "classic"
        checkpoint = run_dir / f"checkpoint-{path_name}-{settings.size}px-{settings.subset or 'all'}.pt"
        print("checkpoint:", checkpoint, "(found: resuming)" if checkpoint.exists() else "(new run)")
        """),
        md("""
        Two ways to run the same recipe (SGD with momentum, a schedule stepped once an epoch, the best
        epoch's weights kept):

        - **classic** (the default on a CPU): `fit` runs *your* `run_epoch` on *your* loaders, the loop of your
          `train_model` plus progress bars and the checkpoint;
        - **fast** (the default on a GPU): each photo is decoded once into memory and the random crops and flips
          are done on the GPU for a whole batch at once, in mixed precision. A GPU trains ten times faster this
          way, because the classic loop keeps it waiting for the CPU to decode JPEGs. It trains *your*
          `build_model`.

        The curves redraw after every epoch. From ImageNet weights on all the photos, expect validation
        accuracy in the high 90s within the first epochs.
        """),
        code("""
        curves = display(Markdown("*The curves appear here after the first epoch.*"), display_id=True)

        def show_curves(history):
            curves.update(plot_history(history))

        if settings.weights:  # ImageNet's weights: downloaded once into torch's cache, or a message saying why not
            ensure_pretrained_weights(settings.weights)
        torch.manual_seed(settings.seed)
        model = build_model(num_classes=len(class_names), weights=settings.weights)
        if settings.use_fast:
            model, history, class_names = fit_fast(
                data_dir, epochs=settings.epochs, size=settings.size, batch_size=settings.batch_size, lr=settings.lr,
                weights=settings.weights, device=device, seed=settings.seed, checkpoint=checkpoint, model=model,
                on_epoch=lambda epoch, history: show_curves(history))
        else:
            identity = {"size": settings.size, "subset": settings.subset, "seed": settings.seed,
                        "weights": str(settings.weights), "class_names": class_names}
            model, history = fit(model, loaders, epochs=settings.epochs, lr=settings.lr, device=device,
                                 checkpoint=checkpoint, identity=identity, run_epoch=run_epoch, on_epoch=show_curves)
        show_curves(history)
        best = max(range(len(history["val_acc"])), key=history["val_acc"].__getitem__)
        print(f"best val accuracy {history['val_acc'][best]:.1%} (epoch {best + 1} of {len(history['val_acc'])})")
        """),
        md("""
        ## What does it get wrong?

        Accuracy is one number. The **confusion matrix** splits it: rows are the true class, columns the
        prediction; the diagonal is right, the rest are the two kinds of mistakes.
        """),
        code("""
        y_true, y_pred, probs, losses = evaluate_predictions(model, loaders["val"], device)
        plot_confusion_matrix(y_true, y_pred, class_names)
        """),
        md("""
        The **top losses** are the validation photos the model got most wrong: wrong *and* confident. Look at
        them closely: the odd photos of lesson 02 (a sign, a drawing, a man), when the split put them in the
        validation set, are usually among them, labelled *dog* but holding none. Others are photos where the animal is tiny, half hidden, or shares the picture
        with the other species; some are simply hard. A high loss on a mislabelled photo means the model is
        *right*: the top losses are the cheapest way to find the errors in a data set.
        """),
        code("""
        val_paths = [path for path, _ in loaders["val"].dataset.samples]
        plot_top_losses(val_paths, y_true, probs, class_names, k=9)
        """),
        md("""
        What this says about the data: Kaggle's labels are mostly right, but not all; a model trained on them
        learns the photos' habits too (dogs outdoors, cats on sofas). On your own photos it will be as good as
        they look like these.

        ## Save the model

        A **bundle** holds the weights with what is needed to use them: the class names, the image size and
        the normalization. `catdog predict --model model.pt photo.jpg` classifies a photo from a terminal.
        """),
        code("""
        bundle_path = save_bundle(run_dir / "model.pt", model, class_names, settings.size,
                                  extra={"history": history})
        print(f"saved {bundle_path} ({bundle_path.stat().st_size / 2**20:.0f} MB)")
        """),
        md("""
        ## Your photos

        First, two photos the model has never trained on, from the validation set, as the upload box will show
        yours:
        """),
        code("""
        examples = [(Path(p).name, Path(p).read_bytes()) for p in (val_paths[0], val_paths[-1])]
        show_uploads(classify_uploads(examples, model, class_names, settings.size, device=device,
                                      predict=predict_image, folder=run_dir / "uploads"))
        """),
        md("""
        Now yours. Run the next cell and upload one or more photos (JPEG, PNG...; up to 20 MB each). In
        JupyterLab a button appears; in Colab, the file picker. Try a cat, a dog, and something that is neither:
        the model has only two answers, so what does it say about a horse, or you?
        """),
        code("""
        upload_box(model, class_names, settings.size, device=device, predict=predict_image, folder=run_dir / "uploads")
        """),
        *summary([
            "Your passing pieces trained a ResNet18 on all the photos; the table at the top said which were yours.",
            "The confusion matrix and the top losses show what the model gets wrong, and the data's own mistakes.",
            "The model is saved as a bundle; a checkpoint per epoch makes a disconnect cost one epoch at most.",
            "The upload box classifies any photo; a model that only knows cats and dogs sees a cat or a dog in everything.",
        ], "You have finished the course. Ideas: freeze the backbone and compare; try 112 px; look at more top losses."),
    ]


NOTEBOOKS = {NB01: notebook_01, NB02: notebook_02, NB03: notebook_03, NB04: notebook_04, NB05: notebook_05}


def check_cells(file_name, cells):
    """Catch authoring slips: code that does not parse, prose that fell into a code block by indentation."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    for index, cell in enumerate(cells):
        where = f"{file_name} cell {index}"
        if cell.cell_type == "code":
            try:
                ast.parse(TransformerManager().transform_cell(cell.source))
            except SyntaxError as e:
                raise SystemExit(f"{where}: {e}\n{cell.source}")
        else:
            previous = ""
            for line in cell.source.split("\n"):
                # An indented line after a blank one is a code block in Markdown (a dedent that failed)
                if line.startswith("    ") and not previous.strip() and not line.lstrip().startswith("- "):
                    raise SystemExit(f"{where}: indented prose becomes a code block: {line!r}")
                previous = line


def make_notebook(file_name, cells):
    check_cells(file_name, cells)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True},
        "accelerator": "GPU" if file_name == NB05 else None,
    }
    if nb.metadata["accelerator"] is None:
        del nb.metadata["accelerator"]
    prefix = file_name[:2]
    for index, cell in enumerate(cells):
        cell.id = f"c{prefix}-{index:02d}"
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def main(out_dir=ROOT / "solutions"):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, make in NOTEBOOKS.items():
        nb = make_notebook(file_name, make())
        text = nbformat.writes(nb, version=4)
        (out_dir / file_name).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print("wrote", out_dir / file_name)


if __name__ == "__main__":
    main(*sys.argv[1:])
