"""The ten pieces a learner writes: names, the library module of each, lessons, points, titles, hints,
and the sentence a pass shows on why the piece matters.

Everything that judges, shows or builds a piece (``checks/``, the magics,
``catdog build``, the package root's exports) asks this module, so each of
these lives in one place. To add a piece, add its ``Piece`` and its hints here.
"""
from dataclasses import dataclass

from ..errors import CatdogError
from ..i18n import N_, tr


@dataclass(frozen=True)
class Piece:
    """One function a learner writes: its name, lesson ("01".."04"), points, title (English, the catalogue's
    key: ``tr(piece.title)`` shows it), and the library module that holds its reference (``catdog_lib.<module>``)."""

    name: str
    lesson: str
    points: int
    title: str
    module: str

    @property
    def why(self):
        """The one sentence a pass shows, on what the piece does for the whole course, in the learner's language."""
        return tr(WHY_IT_MATTERS[self.name])


LESSONS = {
    "01": N_("Setup and hardware"),
    "02": N_("Data and splits"),
    "03": N_("Preprocessing"),
    "04": N_("Training"),
}

# In course order.
PIECES = (
    Piece("pick_device", "01", 1, N_("Pick the device to train on"), "hardware"),
    Piece("label_from_filename", "02", 1, N_("Read the label from a file name"), "data"),
    Piece("split_items", "02", 2, N_("Split into training and validation sets"), "data"),
    Piece("arrange_imagefolder", "02", 2, N_("Lay the split out in class folders"), "data"),
    Piece("build_transforms", "03", 2, N_("Turn a photo into a normalized tensor"), "transforms"),
    Piece("make_loaders", "03", 2, N_("Datasets and data loaders"), "transforms"),
    Piece("build_model", "04", 2, N_("A ResNet18 with a new last layer"), "model"),
    Piece("run_epoch", "04", 3, N_("One pass over the data"), "training"),
    Piece("train_model", "04", 3, N_("The training loop that keeps the best weights"), "training"),
    Piece("predict_image", "04", 2, N_("Classify one photo"), "prediction"),
)

# What a pass says after "N of N checks pass", as Kaggle Learn does after "Correct".
WHY_IT_MATTERS = {
    "pick_device": N_("One place decides where every tensor lives: the same notebook trains on a CPU, a Mac's GPU or Colab's."),
    "label_from_filename": N_("Every label the model learns from comes through here: a wrong label would teach it a wrong answer."),
    "split_items": N_("A score is honest only on photos the model never trained on, and a seeded split is the same after a restart."),
    "arrange_imagefolder": N_("ImageFolder reads the classes from the folder names: this layout turns your split into data sets."),
    "build_transforms": N_("Pretrained weights help only when photos arrive as ImageNet's did; random crops and flips add variety."),
    "make_loaders": N_("The training loop sees only loaders: this is where the data pipeline ends, in shuffled batches."),
    "build_model": N_("Transfer learning: 11 million ImageNet weights that see edges and fur, and 1,026 new ones for cat or dog."),
    "run_epoch": N_("Forward, loss, backward, step: these lines train every network, from this ResNet18 to language models."),
    "train_model": N_("Keeping the best validation epoch's weights guards against overfitting: you keep what did best on new photos."),
    "predict_image": N_("The model at work: one photo in, a probability per class out, prepared exactly as in validation."),
}

PIECE_NAMES = tuple(piece.name for piece in PIECES)

# Hints for ``%hint``, from a gentle nudge to nearly the answer; after the last, ``%hint`` offers ``%solution``.
# Each is the English key of the catalogue and a format string (a literal brace is doubled): show it as
# ``tr(HINTS[name][i])``, or take ``piece_hints(name)``.
HINTS = {
    "pick_device": [
        N_("Ask torch what is there: torch.cuda.is_available(), then torch.backends.mps.is_available()."),
        N_("Return a torch.device, not a string: torch.device('cuda'), torch.device('mps') or torch.device('cpu')."),
        N_("When prefer is given, make torch.device(prefer.lower()) and check that its kind is available "
           "(for 'cuda:N' also that N < torch.cuda.device_count()); if not, raise ValueError(f'device {{prefer!r}} is not available')."),
    ],
    "label_from_filename": [
        N_("Only the file's name matters, not its folder: Path(path).name."),
        N_("Kaggle names are <label>.<number>.<extension>: the label is everything before the first dot."),
        N_("label = Path(path).name.split('.')[0].lower(); if it is not 'cat' or 'dog', raise ValueError naming the file."),
    ],
    "split_items": [
        N_("Split each label on its own (stratified): group the items by label first."),
        N_("Shuffle a copy of each group with your own generator, rng = random.Random(seed), never the global random state."),
        N_("For each group: rng.shuffle(group); n_val = round(len(group) * val_fraction); "
           "val gets group[:n_val], train the rest. Check 0 < val_fraction < 1 first."),
    ],
    "arrange_imagefolder": [
        N_("ImageFolder wants dest/train/cat/..., dest/train/dog/..., dest/val/cat/..., dest/val/dog/..."),
        N_("Start by removing old dest/train and dest/val (shutil.rmtree), so no file of an earlier split stays behind."),
        N_("For each (path, label): target = dest / split / label / Path(path).name; target.parent.mkdir(parents=True, exist_ok=True); "
           "then os.symlink(os.path.abspath(path), target) when link, else shutil.copy2(path, target). Count as you go."),
    ],
    "build_transforms": [
        N_("Both pipelines end with transforms.ToTensor() and transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)."),
        N_("Training adds randomness: RandomResizedCrop(size) and RandomHorizontalFlip(). Evaluation must be deterministic."),
        N_("Eval: Resize(round(size * 256 / 224)), then CenterCrop(size). Convert the image to RGB first "
           "(transforms.Lambda(lambda im: im.convert('RGB'))) so grayscale and RGBA photos work."),
    ],
    "make_loaders": [
        N_("datasets.ImageFolder(folder, transform) reads one sub-folder per class."),
        N_("Train with build_transforms(train=True, size=size), val with build_transforms(train=False, size=size)."),
        N_("DataLoader(train_set, batch_size, shuffle=True, num_workers=...) and DataLoader(val_set, batch_size, shuffle=False, ...); "
           "class_names is train_set.classes."),
    ],
    "build_model": [
        N_("models.resnet18(weights=weights) gives the ImageNet network; its last layer is model.fc."),
        N_("Replace it: model.fc = nn.Linear(model.fc.in_features, num_classes)."),
        N_("To freeze, set requires_grad = False on every parameter *before* you replace fc, so the new fc stays trainable."),
    ],
    "run_epoch": [
        N_("With an optimizer: model.train(); without: model.eval() and torch.no_grad() (torch.set_grad_enabled(training) does both cases)."),
        N_("Each training batch: optimizer.zero_grad(), outputs = model(inputs), loss = criterion(outputs, labels), loss.backward(), optimizer.step()."),
        N_("Add loss.item() * inputs.size(0) and the number of correct predictions per batch; at the end divide both by the number of samples."),
    ],
    "train_model": [
        N_("Each epoch: record the lr, run_epoch on loaders['train'] with the optimizer, scheduler.step(), run_epoch on loaders['val'] without."),
        N_("Keep the best weights as a copy: best = copy.deepcopy(model.state_dict()); state_dict() alone changes as the model trains."),
        N_("After the last epoch: model.load_state_dict(best). history is a dict of lists: train_loss, train_acc, val_loss, val_acc, lr."),
    ],
    "predict_image": [
        N_("Open bytes with Image.open(io.BytesIO(data)) and paths with Image.open(path); turn it upright with ImageOps.exif_transpose, then .convert('RGB')."),
        N_("Use build_transforms(train=False, size=size), add a batch dimension with .unsqueeze(0), and move it to the model's device."),
        N_("model.eval(); with torch.no_grad(): probs = torch.softmax(model(batch), dim=1)[0]; "
           "return {{name: float(p) for name, p in zip(class_names, probs)}}."),
    ],
}


def piece_hints(name):
    """The hints of piece ``name``, in the learner's language."""
    return [tr(hint) for hint in HINTS[name]]


def get_piece(name):
    """The ``Piece`` called ``name``; a ``CatdogError`` listing the pieces for any other name.

    The one check of a piece's name: the magics, the cells, loading and the build all come here.
    """
    for piece in PIECES:
        if piece.name == name:
            return piece
    raise CatdogError(tr("there is no piece called {name!r}: the pieces are {pieces}", name=name,
                         pieces=", ".join(PIECE_NAMES)))
