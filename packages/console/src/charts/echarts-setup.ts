/**
 * The only module that imports ECharts. Loaded with a dynamic import so it lands in its own
 * chunk; only the pieces the console draws are registered (bar + line, grid, tooltip, canvas).
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
