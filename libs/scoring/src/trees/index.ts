export * from './features';
export * from './tree-ensemble';
export * from './onnx-trees';
export * from './tree-shap';
export * from './tree-scorer';
export * from './tree-latency';
export * from './from-mljs';
