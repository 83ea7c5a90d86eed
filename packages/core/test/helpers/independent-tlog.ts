// The independent tlog checker lives with the verify package's tests.
export * from '../../../verify/test/helpers/independent-tlog.js';
