/** The overlay palette lives in src/shared so the HTML report (src/core/report) draws with the same colours. */
export { PALETTE } from '../shared/palette';
