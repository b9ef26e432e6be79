import { onnx } from 'onnx-proto';
import { withNewKvOutputs } from './new-kv-outputs';

function model(presentOp: 'Concat' | 'Identity'): Uint8Array {
  const f = onnx.TensorProto.DataType.FLOAT16;
  const info = (name: string): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: f } },
  });
  const node =
    presentOp === 'Concat'
      ? { opType: 'Concat', input: ['past.0.key', 'k_new'], output: ['present.0.key'] }
      : { opType: 'Identity', input: ['k_new'], output: ['present.0.key'] };
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      graph: {
        node: [
          { opType: 'Identity', input: ['x'], output: ['k_new'] },
          { ...node, attribute: [] },
        ],
        input: [info('past.0.key'), info('x')],
        output: [info('present.0.key')],
      },
    }),
  ).finish();
}

describe('withNewKvOutputs', () => {
  it('outputs the last input of each present Concat as present_new, with its element type', () => {
    const bytes = withNewKvOutputs(model('Concat'), { keys: ['present.0.key'], values: [] });
    expect(bytes).toBeDefined();
    const graph = onnx.ModelProto.decode(bytes as Uint8Array).graph as onnx.GraphProto;
    const added = graph.output.find((o) => o.name === 'present_new.0.key');
    expect(added?.type?.tensorType?.elemType).toBe(onnx.TensorProto.DataType.FLOAT16);
    const identity = graph.node.find((n) => n.output?.includes('present_new.0.key'));
    expect(identity?.opType).toBe('Identity');
    expect(identity?.input).toEqual(['k_new']);
  });

  it('leaves a graph whose present is not a Concat as it is', () => {
    expect(
      withNewKvOutputs(model('Identity'), { keys: ['present.0.key'], values: [] }),
    ).toBeUndefined();
  });
});
