"""Runs exported PyTorch modules for test/export/pytorch.test.ts: python3 pytorch-harness.py < CASES.

For each case, a JSON line on stdin (read as the test prepares them): import DIR/MODULE.py, load nnspec's weights with its load_weights
(load_state_dict strict), then
  eval:  the eval-mode forward in float32 of input.npy -> output.npy
  train: in float64, the training-mode forward, objective (loss + L2) and backward of input.npy and
         target.npy -> output.npy, grad.NAME.npy per parameter, buffer.NAME.npy per buffer (the
         running statistics after the step) and the loss in the results.
Prints a JSON line per case: {"id", "loss", "keys", "decayed"} or {"id", "error"}.
"""
import importlib.util
import json
import os
import sys
import traceback

import numpy as np
import torch

torch.set_num_threads(1)
for count, line in enumerate(sys.stdin):
    case = json.loads(line)
    try:
        name = f"nnspec_case_{count}"
        spec = importlib.util.spec_from_file_location(name, os.path.join(case["dir"], case["module"]))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = mod.Model()
        if case["mode"] == "train":
            model.double()
        mod.load_weights(model, case["weights"])
        x = torch.from_numpy(np.load(case["x"]))
        out = case["out"]
        decayed = [p for g in mod.param_groups(model) if g["weight_decay"] > 0 for p in g["params"]]
        result = {"id": case["id"], "keys": list(model.state_dict().keys()), "decayed": [n for n, p in model.named_parameters() if any(p is q for q in decayed)]}
        if case["mode"] == "eval":
            model.eval()
            with torch.no_grad():
                y = model(x.float())
        else:
            model.train()
            target = torch.from_numpy(np.load(case["target"]))
            y = model(x)
            loss = mod.objective(model, y, target)
            loss.backward()
            result["loss"] = float(loss)
            for n, p in model.named_parameters():
                np.save(os.path.join(out, f"grad.{n}.npy"), p.grad.numpy())
            for n, b in model.named_buffers():
                np.save(os.path.join(out, f"buffer.{n}.npy"), b.numpy())
        np.save(os.path.join(out, "output.npy"), y.detach().numpy())
    except Exception:
        result = {"id": case["id"], "error": traceback.format_exc()}
    print(json.dumps(result), flush=True)
