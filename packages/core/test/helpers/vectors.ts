// The public vectors are located and loaded by the verify package's helper.
export * from '../../../verify/test/helpers/vectors.js';
