/** One bar: its label (shown under it, or as its tooltip) and value. */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

/**
 * A bar chart drawn as SVG elements (labels are text nodes, never markup):
 * a few dozen bars need no charting library.
 */
export function BarChart({ bars, title, height = 160 }: { bars: readonly Bar[]; title: string; height?: number }) {
  const width = 720;
  const top = 14;
  const bottom = 22;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = width / Math.max(bars.length, 12);
  const labelEvery = Math.max(1, Math.ceil(bars.length / 12));
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      <text x="0" y="10" class="axis">
        {max.toLocaleString('en')}
      </text>
      {bars.map((bar, i) => {
        const h = ((height - top - bottom) * bar.value) / max;
        return (
          <g key={bar.label}>
            <rect x={i * step + step * 0.1} y={height - bottom - h} width={Math.max(1, step * 0.8)} height={h}>
              <title>{`${bar.label}: ${bar.value.toLocaleString('en')}`}</title>
            </rect>
            {i % labelEvery === 0 && (
              <text x={i * step + step / 2} y={height - 6} class="axis" text-anchor="middle">
                {bar.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
