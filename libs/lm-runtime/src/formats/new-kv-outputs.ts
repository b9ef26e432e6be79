import { onnx } from 'onnx-proto';

/**
 * Exporters' graphs output only `present` (the whole cache: past and this step's K/V, by a
 * `Concat` on the time axis), so a batch that keeps its own buffer would copy the whole cache out
 * of the session every step (measured on the `bench` preset, 16 rows at 400 past tokens: a step
 * fetching `present` 100 ms, one fetching only the logits 54–80 ms; binding `present` to reused
 * buffers did not help: 132–136 ms). This adds the `present_new.{i}.key/value` outputs the
 * project's own builder writes: an Identity of each present `Concat`'s last input, the step's new
 * K/V. Returns undefined when a `present` output is not such a `Concat` (the graph is then run as
 * it is).
 */
export function withNewKvOutputs(
  modelBytes: Uint8Array,
  present: { keys: readonly string[]; values: readonly string[] },
): Uint8Array | undefined {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph?.node || !graph.output) return undefined;
  const nodes = graph.node;
  const outputs = graph.output;
  const producer = new Map<string, onnx.INodeProto>();
  for (const node of nodes) for (const out of node.output ?? []) producer.set(out, node);
  const added: { from: string; name: string; type: onnx.ITypeProto | null | undefined }[] = [];
  const roles: [readonly string[], string][] = [
    [present.keys, 'key'],
    [present.values, 'value'],
  ];
  for (const [names, role] of roles) {
    for (const [layer, name] of names.entries()) {
      const node = producer.get(name);
      const inputs = node?.input ?? [];
      if (!node || node.opType !== 'Concat' || inputs.length !== 2) return undefined;
      const output = outputs.find((o) => o.name === name);
      added.push({ from: inputs[1], name: `present_new.${layer}.${role}`, type: output?.type });
    }
  }
  for (const a of added) {
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Identity',
        name: `${a.name}_identity`,
        input: [a.from],
        output: [a.name],
      }),
    );
    // Same element type as present; the time axis is the step's, so the shape is left open.
    const elemType = a.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT;
    outputs.push(onnx.ValueInfoProto.create({ name: a.name, type: { tensorType: { elemType } } }));
  }
  return onnx.ModelProto.encode(model).finish();
}
