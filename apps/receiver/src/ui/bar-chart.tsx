/** One bar: its label (shown under it, or as its tooltip) and value, or its stacked parts by series. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** The bar cut into series (e.g. event names), bottom up; their values add up to `value`. */
  readonly parts?: ReadonlyArray<{ readonly series: string; readonly value: number }>;
}

/** Series colours, by their index in the legend (presentation attributes: the CSP allows no inline style). */
const PALETTE = ['#2f6fde', '#e07b1f', '#2a9d62', '#c2385f', '#7a5cc7', '#1b9aaa', '#a88414', '#6b7280'];

/**
 * A bar chart drawn as SVG elements (labels are text nodes, never markup):
 * a few dozen bars need no charting library. Bars with `parts` are stacked,
 * one colour per series, with a legend.
 */
export function BarChart({ bars, title, height = 160 }: { bars: readonly Bar[]; title: string; height?: number }) {
  const width = 720;
  const top = 14;
  const bottom = 22;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = width / Math.max(bars.length, 12);
  const labelEvery = Math.max(1, Math.ceil(bars.length / 12));
  const series = [...new Set(bars.flatMap((bar) => (bar.parts ?? []).map((part) => part.series)))].sort();
  const colour = (name: string): string => PALETTE[series.indexOf(name) % PALETTE.length] as string;
  const scale = (value: number): number => ((height - top - bottom) * value) / max;
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <title>{title}</title>
        <text x="0" y="10" class="axis">
          {max.toLocaleString('en')}
        </text>
        {bars.map((bar, i) => {
          const x = i * step + step * 0.1;
          const w = Math.max(1, step * 0.8);
          let y = height - bottom;
          return (
            <g key={bar.label}>
              {bar.parts === undefined ? (
                <rect x={x} y={y - scale(bar.value)} width={w} height={scale(bar.value)}>
                  <title>{`${bar.label}: ${bar.value.toLocaleString('en')}`}</title>
                </rect>
              ) : (
                bar.parts.map((part) => {
                  y -= scale(part.value);
                  return (
                    <rect key={part.series} x={x} y={y} width={w} height={scale(part.value)} fill={colour(part.series)}>
                      <title>{`${bar.label} ${part.series}: ${part.value.toLocaleString('en')}`}</title>
                    </rect>
                  );
                })
              )}
              {i % labelEvery === 0 && (
                <text x={i * step + step / 2} y={height - 6} class="axis" text-anchor="middle">
                  {bar.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 0 && (
        <figcaption class="legend">
          {series.map((name) => (
            <span key={name}>
              <svg width="10" height="10" aria-hidden="true">
                <rect width="10" height="10" fill={colour(name)} />
              </svg>{' '}
              {name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
