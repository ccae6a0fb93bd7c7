import { dassReproduction } from './dass.js';
import { randomBaselineReproduction } from './random-baseline.js';
import { sparseIftReproduction } from './sparse-ift.js';
import type { Reproduction } from './types.js';
import { wgsefReproduction } from './wgsef.js';

/** Every reproduction `npm run reproduce -- <name>` knows; add one by appending it here. */
export const REPRODUCTIONS: readonly Reproduction[] = [randomBaselineReproduction, sparseIftReproduction, wgsefReproduction, dassReproduction];
