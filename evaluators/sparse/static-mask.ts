// The name the evaluator's first tests used for the static method; the implementation is StaticMethod.
export { StaticMethod as StaticMaskMethod } from './static-method.js';
