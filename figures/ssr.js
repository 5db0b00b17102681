// Server-side rendering of one ECharts option to SVG, run by figures.RenderSVG under Node:
//   node ssr.js <path to echarts-<version>.min.js>
// stdin: JSON {"option": <go-echarts' option JSON>, "width": px, "height": px}; strings wrapped in
// go-echarts' "__f__" markers are JavaScript functions (renderItem, formatters).
// stdout: the SVG document. Uses ECharts' own SVG renderer (echarts.init with ssr: true), no DOM,
// no network; animation is switched off so the final state is drawn.
'use strict';
const echarts = require(process.argv[2]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  try {
    render();
  } catch (e) {
    // Only the message: a stack trace would quote the minified ECharts source.
    process.stderr.write('ssr.js: ' + (e && e.message ? e.message : String(e)) + '\n', () => process.exit(1));
  }
});

function render() {
  const marker = '__f__';
  const req = JSON.parse(input, (key, v) => {
    if (typeof v === 'string' && v.length >= 2 * marker.length && v.startsWith(marker) && v.endsWith(marker)) {
      return new Function('return (' + v.slice(marker.length, -marker.length) + ');')();
    }
    return v;
  });
  const option = req.option;
  option.animation = false;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: req.width, height: req.height });
  chart.setOption(option);
  const svg = chart.renderToSVGString();
  chart.dispose();
  process.stdout.write(svg + '\n', () => process.exit(0));
}
