"""Random-weight SAM2.1-tiny export with family E names (transformers.js / onnx-community layout).

Benchmark input only: the weights are random, so masks are meaningless, but the graph is the real
hiera-tiny architecture (transformers `Sam2Config()` defaults), so timings match a real export.

usage: python3 bench/lib/sam2_export.py OUT_DIR
writes OUT_DIR/vision_encoder.onnx (+ vision_encoder.onnx_data sidecar) and OUT_DIR/prompt_encoder_mask_decoder.onnx
"""
import os
import sys

# torchvision in this environment does not match torch; transformers only needs it for image processors.
sys.modules["torchvision"] = None  # type: ignore[assignment]

import onnx  # noqa: E402
import torch  # noqa: E402
from transformers import Sam2Config, Sam2Model  # noqa: E402


class VisionEncoder(torch.nn.Module):
    """pixel_values [1,3,1024,1024] → image_embeddings.0/.1/.2, exactly as Sam2Model.forward derives them."""

    def __init__(self, model: Sam2Model) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor):
        out = self.model.get_image_features(pixel_values, return_dict=True)
        feats = list(out.fpn_hidden_states)
        feats[-1] = feats[-1] + self.model.no_memory_embedding
        b = pixel_values.shape[0]
        return tuple(f.permute(1, 2, 0).view(b, -1, *s) for f, s in zip(feats, self.model.backbone_feature_sizes))


class PromptDecoder(torch.nn.Module):
    """Prompts + cached embeddings → iou_scores, pred_masks (low-res logits), object_score_logits."""

    def __init__(self, model: Sam2Model) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_points, input_labels, input_boxes, e0, e1, e2):
        out = self.model(
            image_embeddings=[e0, e1, e2],
            input_points=input_points,
            input_labels=input_labels,
            input_boxes=input_boxes,
            multimask_output=True,
        )
        return out.iou_scores, out.pred_masks, out.object_score_logits


def main() -> None:
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    model = Sam2Model(Sam2Config()).eval()

    pixel_values = torch.randn(1, 3, 1024, 1024)
    enc = VisionEncoder(model)
    with torch.no_grad():
        e0, e1, e2 = enc(pixel_values)
    enc_path = os.path.join(out_dir, "vision_encoder.onnx")
    # Batch stays 1: a dynamic batch fails inside torch.export for the Hiera backbone.
    prog = torch.onnx.export(enc, (pixel_values,), dynamo=True, opset_version=18,
                             input_names=["pixel_values"],
                             output_names=["image_embeddings.0", "image_embeddings.1", "image_embeddings.2"])
    m = prog.model_proto
    # Family E ships encoder weights in an .onnx_data sidecar: write it that way so the loader path is exercised.
    onnx.save_model(m, enc_path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="vision_encoder.onnx_data", size_threshold=1024)

    points = torch.tensor([[[[400.0, 380.0], [620.0, 610.0]]]])
    labels = torch.tensor([[[1, 0]]], dtype=torch.int64)
    boxes = torch.tensor([[[300.0, 280.0, 700.0, 720.0]]])
    dec = PromptDecoder(model)
    n = torch.export.Dim("num_points", min=1, max=64)
    dec_path = os.path.join(out_dir, "prompt_encoder_mask_decoder.onnx")
    args = (points, labels, boxes, e0, e1, e2)
    names = dict(input_names=["input_points", "input_labels", "input_boxes",
                              "image_embeddings.0", "image_embeddings.1", "image_embeddings.2"],
                 output_names=["iou_scores", "pred_masks", "object_score_logits"])
    try:
        prog = torch.onnx.export(dec, args, dynamo=True, opset_version=18,
                                 dynamic_shapes=({2: n}, {2: n}, None, None, None, None), **names)
    except Exception as e:  # a static decoder still times the 1 box + 2 points case the bench uses
        print(f"dynamic point count failed ({type(e).__name__}); exporting static shapes", file=sys.stderr)
        prog = torch.onnx.export(dec, args, dynamo=True, opset_version=18, **names)
    onnx.save_model(prog.model_proto, dec_path)
    for p in os.listdir(out_dir):
        print(p, os.path.getsize(os.path.join(out_dir, p)))


if __name__ == "__main__":
    main()
