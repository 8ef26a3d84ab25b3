"""Udacity P1 facial keypoints data: CSV reader and image loading.

CSV layout: a header row, then one row per image: file name, then 136 numbers
x0,y0,...,x67,y67 in pixels of that image (iBUG 300-W 68-point layout).
Images are loaded with cv2 (BGR, uint8).
"""
import csv
import hashlib
import os
import re

import cv2
import numpy as np

NUM_POINTS = 68
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPLITS = {
    "train": ("training_frames_keypoints.csv", "training"),
    "test": ("test_frames_keypoints.csv", "test"),
}


class DataError(RuntimeError):
    pass


def default_data_dir():
    """--data default: env FACEFILTER_DATA, else ../shared/data relative to the repo root."""
    env = os.environ.get("FACEFILTER_DATA")
    if env:
        return env
    return os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))


def add_data_arg(parser):
    parser.add_argument("--data", default=default_data_dir(),
                        help="data root holding udacity-keypoints/ (default: $FACEFILTER_DATA, "
                             "else ../shared/data relative to the repo root)")


def split_paths(data_dir, split):
    """Return (csv_path, image_dir) for split 'train' or 'test'."""
    if split not in SPLITS:
        raise ValueError("unknown split %r (expected train or test)" % split)
    root = os.path.join(data_dir, "udacity-keypoints")
    if not os.path.isdir(root):
        # accept pointing --data directly at the udacity-keypoints folder
        if os.path.isfile(os.path.join(data_dir, SPLITS[split][0])):
            root = data_dir
        else:
            raise DataError("data folder not found: %s (expected udacity-keypoints/ in %s; "
                            "use --data or FACEFILTER_DATA)" % (root, data_dir))
    csv_name, img_dir = SPLITS[split]
    return os.path.join(root, csv_name), os.path.join(root, img_dir)


def read_keypoints_csv(csv_path, image_dir=None, check_images=True):
    """Read a keypoints CSV. Returns (names, points[N,68,2] float32).

    Raises DataError naming the file and line for malformed rows, wrong column
    counts, non-finite numbers, duplicate names or missing images.
    """
    if not os.path.isfile(csv_path):
        raise DataError("CSV file not found: %s" % csv_path)
    names, pts = [], []
    seen = {}
    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError("%s: empty file (expected a header row)" % csv_path)
        if len(header) != 1 + 2 * NUM_POINTS:
            raise DataError("%s:1: header has %d columns, expected %d"
                            % (csv_path, len(header), 1 + 2 * NUM_POINTS))
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue  # blank line
            if len(row) != 1 + 2 * NUM_POINTS:
                raise DataError("%s:%d: %d columns, expected %d (image name + %d numbers)"
                                % (csv_path, line, len(row), 1 + 2 * NUM_POINTS, 2 * NUM_POINTS))
            name = row[0].strip()
            if not name:
                raise DataError("%s:%d: empty image name" % (csv_path, line))
            if name in seen:
                raise DataError("%s:%d: duplicate image name %r (first on line %d)"
                                % (csv_path, line, name, seen[name]))
            seen[name] = line
            try:
                vals = np.array([float(c) for c in row[1:]], dtype=np.float64)
            except ValueError as e:
                raise DataError("%s:%d: bad number (%s)" % (csv_path, line, e))
            if not np.all(np.isfinite(vals)):
                raise DataError("%s:%d: non-finite keypoint value" % (csv_path, line))
            if image_dir is not None and check_images:
                p = os.path.join(image_dir, name)
                if not os.path.isfile(p):
                    raise DataError("%s:%d: image not found: %s" % (csv_path, line, p))
            names.append(name)
            pts.append(vals.reshape(NUM_POINTS, 2))
    if not names:
        raise DataError("%s: no data rows" % csv_path)
    return names, np.stack(pts).astype(np.float32)


def load_image(path):
    """Load an image as BGR uint8 (raises DataError if unreadable)."""
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise DataError("cannot read image: %s" % path)
    return img


def to_gray(bgr):
    """Exactly the engine's colour step for 1-channel models."""
    if bgr.ndim == 2:
        return bgr
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def person_of(name):
    """'Luis_Fonsi_21.jpg' -> 'Luis_Fonsi' (name without extension and trailing _NN)."""
    stem = os.path.splitext(os.path.basename(name))[0]
    return re.sub(r"_\d+$", "", stem)


def person_split(names, val_fraction=0.1, seed=0):
    """Split indices by identity so that no person is in both parts.

    Returns (train_idx, val_idx). Persons are shuffled with a fixed seed and
    taken into validation until ~val_fraction of the images are reached.
    """
    persons = sorted(set(person_of(n) for n in names))
    rng = np.random.RandomState(seed)
    rng.shuffle(persons)
    by_person = {}
    for i, n in enumerate(names):
        by_person.setdefault(person_of(n), []).append(i)
    target = val_fraction * len(names)
    val, vp = [], set()
    for p in persons:
        if len(val) >= target:
            break
        val.extend(by_person[p])
        vp.add(p)
    train = [i for i, n in enumerate(names) if person_of(n) not in vp]
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(val), dtype=np.int64)


# helen-wild (HELEN photographs, 300-W's labels): research use only. A model trained on any of it carries
# these terms, in its metadata's licence and training fields.
WILD_DIR = "helen-wild"
WILD_SPLIT = ("val_frames_keypoints.csv", "val")
WILD_TERMS = ("Trained in part on helen-wild: HELEN photographs (Flickr) with the 300-W challenge's 68-point "
              "annotations (iBUG, Imperial College London), which are for research use only and may not be used "
              "commercially; this model carries that restriction.")
WILD_HOLDOUT_RULE = ("photographs (file name less its trailing _N) sorted by name, every fifth (the 5th, 10th, ...) held out with its faces: facefilter-cli eval "
                     "--part holdout; the other four fifths are --part train")


def wild_paths(data_dir):
    """(csv_path, image_dir) of helen-wild under the data root (or --data pointing at helen-wild itself)."""
    root = os.path.join(data_dir, WILD_DIR)
    if not os.path.isdir(root) and os.path.isfile(os.path.join(data_dir, WILD_SPLIT[0])):
        root = data_dir
    if not os.path.isfile(os.path.join(root, WILD_SPLIT[0])):
        raise DataError("helen-wild not found: %s (expected %s in it)" % (root, WILD_SPLIT[0]))
    return os.path.join(root, WILD_SPLIT[0]), os.path.join(root, WILD_SPLIT[1])


def fifths(names):
    """(train_idx, holdout_idx): photographs (a name less its trailing _N: one photo may hold several
    labelled faces) sorted by that name, every fifth photograph (1-based 5, 10, ...) held out with all its faces.

    The same rule as the C++ eval's --part (engine/eval/keypoints_dataset.cpp)."""
    photos = sorted(set(person_of(n) for n in names))
    held = set(photos[4::5])
    return (np.array([i for i, n in enumerate(names) if person_of(n) not in held], dtype=np.int64),
            np.array([i for i, n in enumerate(names) if person_of(n) in held], dtype=np.int64))


class KeypointsData:
    """All rows of one split, images loaded into memory (BGR and gray)."""

    def __init__(self, data_dir, split, indices=None, keep_bgr=False, paths=None):
        self.csv_path, self.image_dir = paths or split_paths(data_dir, split)
        names, pts = read_keypoints_csv(self.csv_path, self.image_dir)
        if indices is not None:
            names = [names[i] for i in indices]
            pts = pts[indices]
        self.names = names
        self.points = pts
        self.gray = []
        self.bgr = [] if keep_bgr else None
        for n in names:
            img = load_image(os.path.join(self.image_dir, n))
            self.gray.append(to_gray(img))
            if keep_bgr:
                self.bgr.append(img)

    def __len__(self):
        return len(self.names)

    def extend(self, other, repeat=1):
        """Append another set's rows (repeat times: a smaller set's weight in random sampling)."""
        for _ in range(repeat):
            self.names = list(self.names) + list(other.names)
            self.points = np.concatenate([self.points, other.points])
            self.gray = self.gray + other.gray
            if self.bgr is not None:
                self.bgr = self.bgr + (other.bgr if other.bgr is not None else [])


def load_wild_train(data_dir, keep_bgr=False):
    """helen-wild's four fifths for training, and its fingerprint (CSV + those images)."""
    csv_path, img_dir = wild_paths(data_dir)
    names, _ = read_keypoints_csv(csv_path, img_dir)
    tr, _ = fifths(names)
    data = KeypointsData(data_dir, None, tr, keep_bgr=keep_bgr, paths=(csv_path, img_dir))
    return data, data_fingerprint(csv_path, img_dir, data.names)


def data_fingerprint(csv_path, image_dir, names):
    """sha256 over the CSV bytes, then every image's bytes (in the given order)."""
    h = hashlib.sha256()
    with open(csv_path, "rb") as f:
        h.update(f.read())
    for n in names:
        with open(os.path.join(image_dir, n), "rb") as f:
            h.update(f.read())
    return h.hexdigest()
