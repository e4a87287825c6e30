/**
 * The fixed Python that every exported MODEL.py carries (none of it comes
 * from a spec): the small module classes for layer kinds torch.nn has no
 * exact equivalent of (written only when a layer uses them), the loss, and
 * safetensors reading and writing (the format is small: a u64 header length,
 * a JSON header, raw little-endian data; no `safetensors` package needed).
 */
import type { PreludeClass } from "../layers/pytorch.js";

export const PRELUDE_CLASSES: Record<PreludeClass, string> = {
  Scope: `class Scope(nn.Module):
    """nn.Module for a spec with a layer or block named \`training\`: nn.Module keeps its train/eval flag
    under that name, so here the flag is a plain attribute and the child is reached as _modules["training"]."""

    def __setattr__(self, name, value):
        if name == "training":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)`,
  BatchNorm: `class BatchNorm(nn.Module):
    """nnspec's batchnorm: learned gamma and beta, running statistics in the buffers mean and var
    (nnspec's names). F.batch_norm computes what nnspec does: the biased batch variance normalises,
    the unbiased one goes into var, running = (1 - momentum) * running + momentum * batch."""

    def __init__(self, channels, eps, momentum):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("var", torch.ones(channels))

    def forward(self, x):
        return F.batch_norm(x, self.mean, self.var, self.gamma, self.beta, self.training, self.momentum, self.eps)`,
  GlobalAvgPool: `class GlobalAvgPool(nn.Module):
    """The mean of each channel: [N, C, H, W] -> [N, C]."""

    def forward(self, x):
        return x.mean(dim=(2, 3))`,
  PadChannels: `class PadChannels(nn.Module):
    """Zero channels (dim 1) before and after the input's."""

    def __init__(self, before, after):
        super().__init__()
        self.before = before
        self.after = after

    def forward(self, x):
        return F.pad(x, [0, 0] * (x.dim() - 2) + [self.before, self.after])`,
  Channels: `class Channels(nn.Module):
    """The channels start <= c < end of the input."""

    def __init__(self, start, end):
        super().__init__()
        self.start = start
        self.end = end

    def forward(self, x):
        return x[:, self.start : self.end]`,
  Shuffle: `class Shuffle(nn.Module):
    """Channel shuffle (torchvision's order): view C as groups x (C / groups), transpose, flatten."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c = x.shape[0], x.shape[1]
        rest = x.shape[2:]
        return x.reshape(n, self.groups, c // self.groups, *rest).transpose(1, 2).reshape(n, c, *rest)`,
};

/** Loss, objective, the optimizer's parameter groups and weights I/O; reads the constants MODEL.py defines above it. */
export const PRELUDE_FUNCTIONS = `def loss_fn(output, target):
    """nnspec's loss without its L2 term: the mean softmax cross-entropy over the batch (target: class
    indices) or the mean squared error over every value. L2 is weight decay on DECAYED (param_groups)."""
    if LOSS == "softmax":
        return F.cross_entropy(output, target.long())
    if LOSS == "mse":
        return F.mse_loss(output, target.reshape(output.shape))
    raise ValueError(f"model {MODEL_NAME} has no loss: it is for inference only")


def objective(model, output, target):
    """The value nnspec's loss() returns: loss_fn plus L2 / 2 times the sum of squares of DECAYED."""
    value = loss_fn(output, target)
    if L2 > 0:
        params = dict(model.named_parameters())
        value = value + 0.5 * L2 * sum((params[name] ** 2).sum() for name in DECAYED)
    return value


def param_groups(model):
    """nnspec's L2 as weight decay on exactly DECAYED (conv, deconv and fc weights; not biases or batchnorm)."""
    named = list(model.named_parameters())
    return [
        {"params": [p for name, p in named if name in DECAYED], "weight_decay": L2},
        {"params": [p for name, p in named if name not in DECAYED], "weight_decay": 0.0},
    ]


_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file of F32 or F64 tensors."""
    with open(path, "rb") as f:
        data = f.read()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        if t["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} is {t['dtype']}, not F32 or F64")
        start, end = t["data_offsets"]
        values = np.frombuffer(data, dtype=_DTYPES[t["dtype"]], count=(end - start) // _DTYPES[t["dtype"]].itemsize, offset=8 + size + start)
        tensors[name] = torch.from_numpy(values.astype(values.dtype.newbyteorder("="))).reshape(t["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Write tensors (float32 or float64) with string metadata, metadata first as nnspec writes it."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("float64"): "F64"}[a.dtype]
        blob = a.astype(_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def load_weights(model, path):
    """Load nnspec weights (from nnspec train or save_weights) with load_state_dict(strict=True); returns the metadata.
    Refuses a file recorded for another spec: a hash known on both sides, and none equal (nnspec's compareSpecs).
    The words hash is unchanged by nnspec fmt and comment edits; files older than it record the text hash only."""
    tensors, metadata = read_safetensors(path)
    recorded = (metadata.get("nnspec.spec_sha256"), metadata.get("nnspec.spec_words_sha256"))
    pairs = [(r, own) for r, own in zip(recorded, (SPEC_SHA256, SPEC_WORDS_SHA256)) if r is not None and own is not None]
    if pairs and not any(r == own for r, own in pairs):
        raise ValueError(
            f"{path} holds weights for another spec (sha256 {recorded[0]}, words sha256 {recorded[1]}; "
            f"this module's are {SPEC_SHA256} and {SPEC_WORDS_SHA256})"
        )
    dtype = next(iter(model.state_dict().values())).dtype if len(model.state_dict()) else torch.float32
    model.load_state_dict({name: t.to(dtype) for name, t in tensors.items()}, strict=True)
    return metadata


def save_weights(model, path, metadata=None):
    """Save the state_dict as float32 safetensors with nnspec's metadata: nnspec eval, predict,
    export --onnx and loadWeights accept it for this spec."""
    meta = {"format": "pt", "nnspec.model": MODEL_NAME, "nnspec.spec_sha256": SPEC_SHA256}
    if SPEC_WORDS_SHA256 is not None:
        meta["nnspec.spec_words_sha256"] = SPEC_WORDS_SHA256
    meta.update(metadata or {})
    write_safetensors(path, {name: t.float() for name, t in model.state_dict().items()}, meta)`;
