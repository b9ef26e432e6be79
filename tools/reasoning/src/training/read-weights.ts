import { onnx } from 'onnx-proto';
import { DecoderConfig, DecoderWeights, LayerWeights } from '../graph/decoder-config';

/**
 * Reads the weights back out of an fp32 model.onnx written by the graph builder (HF tensor
 * names), e.g. to rebuild the same model with another attention mask or to load it for training.
 */
export function readDecoderWeights(modelBytes: Uint8Array, cfg: DecoderConfig): DecoderWeights {
  const model = onnx.ModelProto.decode(modelBytes);
  const tensors = new Map<string, Float32Array>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.name) continue;
    const raw = t.rawData;
    const data =
      raw && raw.length > 0
        ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
        : Float32Array.from(t.floatData ?? []);
    tensors.set(t.name, data);
  }
  const get = (name: string): Float32Array => {
    const v = tensors.get(name);
    if (!v) throw new Error(`model.onnx has no fp32 tensor ${name} (is it quantized?)`);
    return v;
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `model.layers.${i}`;
    const attn = (proj: string, part: 'weight' | 'bias'): Float32Array =>
      get(`${p}.self_attn.${proj}.${part}`);
    layers.push({
      inputNorm: get(`${p}.input_layernorm.weight`),
      q: attn('q_proj', 'weight'),
      k: attn('k_proj', 'weight'),
      v: attn('v_proj', 'weight'),
      ...(cfg.attentionBias
        ? {
            qBias: attn('q_proj', 'bias'),
            kBias: attn('k_proj', 'bias'),
            vBias: attn('v_proj', 'bias'),
          }
        : {}),
      o: attn('o_proj', 'weight'),
      postAttentionNorm: get(`${p}.post_attention_layernorm.weight`),
      gate: get(`${p}.mlp.gate_proj.weight`),
      up: get(`${p}.mlp.up_proj.weight`),
      down: get(`${p}.mlp.down_proj.weight`),
    });
  }
  return {
    embed: get('model.embed_tokens.weight'),
    layers,
    finalNorm: get('model.norm.weight'),
    ...(cfg.tieEmbeddings ? {} : { lmHead: get('lm_head.weight') }),
  };
}
