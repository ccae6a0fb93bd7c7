export { groupLassoMethodFactory } from './group-lasso-method.js';
