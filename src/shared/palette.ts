/**
 * Overlay colours: the Okabe–Ito colour-blind-safe set, one colour per meaning, so that a green pixel is always a
 * true positive and never also a + point or the GT outline. Prompts (sky blue +, reddish purple −, orange box) share
 * no hue with the error map (green TP, vermillion FP, yellow FN) or the mask (blue); the GT outline is white on a
 * black halo, which reads on light and dark images alike. Text and chrome colours come from the VS Code theme.
 */
export const PALETTE = {
  gt: [255, 255, 255] as const, // white, on…
  gtHalo: [0, 0, 0] as const, // …a black halo
  mask: [0, 114, 178] as const, // blue
  tp: [0, 158, 115] as const, // bluish green
  fp: [213, 94, 0] as const, // vermillion
  fn: [240, 228, 66] as const, // yellow
  positive: '#56B4E9', // sky blue
  negative: '#CC79A7', // reddish purple
  box: '#E69F00', // orange
  unlabelled: '#8C8C8C', // neutral grey: a point with no label is neither + nor −
  highlight: '#FFFFFF', // a hovered glyph: white and thicker (emphasis, not a meaning)
  // The oracle outline: magenta, outside the Okabe–Ito set every other meaning uses, dashed on a black halo so it
  // differs from the solid GT outline and the TP/FP/FN fills by pattern too.
  oracle: [255, 0, 255] as const,
  oracleHalo: [0, 0, 0] as const,
} as const;

/**
 * Colours of overlaid runs in the reward traces, per VS Code theme kind (the webview body's class). Dark and high
 * contrast keep the Okabe–Ito order; on a light background orange, sky blue, reddish purple and yellow fall below
 * the 3:1 WCAG minimum for chart marks, so the light set darkens each hue in the same order (yellow becomes olive).
 * traces.css defines the same values as `--segr1-run-<k>` per body class; a unit test keeps the two equal.
 */
export const RUN_COLOURS_BY_THEME = {
  dark: ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'],
  light: ['#0072B2', '#A66F00', '#00805D', '#B04A87', '#007C91', '#C24E00', '#7D7300'],
  highContrast: ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#88CCEE', '#D55E00', '#F0E442'],
  highContrastLight: ['#0072B2', '#A66F00', '#00805D', '#B04A87', '#007C91', '#C24E00', '#7D7300'],
} as const;

/** The editor background of VS Code's default theme of each kind (Dark Modern, Light Modern, High Contrast, High Contrast Light). */
export const DEFAULT_THEME_BACKGROUNDS = { dark: '#1F1F1F', light: '#FFFFFF', highContrast: '#000000', highContrastLight: '#FFFFFF' } as const;
