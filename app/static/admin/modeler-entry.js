// Bundled by esbuild at setup time (make setup → app/static/dist/modeler.js); no CDN.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import DmnModeler from 'dmn-js/lib/Modeler';
import zhCNTranslate, { ZH_CN } from './zh-cn-translate.js';
import ZH_DMN from './zh-cn-dmn.js';

// dmn-js reads the same `translate` service; its own texts come from zh-cn-dmn.js
const DMN_TEXTS = Object.assign({}, ZH_CN, ZH_DMN);
function dmnTranslate(template, replacements) {
  replacements = replacements || {};
  const text = DMN_TEXTS[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => {
    const value = replacements[key];
    return value === undefined ? '{' + key + '}' : (DMN_TEXTS[value] || value);
  });
}
const dmnTranslateModule = { translate: ['value', dmnTranslate] };

// Fit the whole diagram into the canvas, centred, leaving `left` pixels free for the palette and
// never enlarging past 100 %. Returns the scale.
function fit(canvas, opts) {
  opts = opts || {};
  const left = opts.left || 0;
  const pad = opts.padding === undefined ? 16 : opts.padding;
  canvas.resized();
  const vb = canvas.viewbox();
  const inner = vb.inner;
  const outer = vb.outer;
  if (!inner.width || !inner.height || !outer.width || !outer.height) { return vb.scale; }
  const availW = Math.max(outer.width - left - 2 * pad, 40);
  const availH = Math.max(outer.height - 2 * pad, 40);
  const scale = Math.min(availW / inner.width, availH / inner.height, opts.max || 1);
  const x = inner.x - (left + pad + (availW - inner.width * scale) / 2) / scale;
  const y = inner.y - (pad + (availH - inner.height * scale) / 2) / scale;
  canvas.viewbox({ x: x, y: y, width: outer.width / scale, height: outer.height / scale });
  return scale;
}

window.LcBpmn = {
  Viewer: NavigatedViewer,
  fit,
  createModeler(container, panel) {
    return new BpmnModeler({
      container,
      propertiesPanel: { parent: panel },
      additionalModules: [
        BpmnPropertiesPanelModule,
        BpmnPropertiesProviderModule,
        CamundaPlatformPropertiesProviderModule,
        CamundaBehaviorsModule,
        zhCNTranslate
      ],
      moddleExtensions: { camunda: camundaModdle }
    });
  },
  createDmnModeler(container) {
    // dmn-js replaces `common.additionalModules` by each view's own list: give every view the module
    const zh = { additionalModules: [dmnTranslateModule] };
    return new DmnModeler({ container, drd: zh, decisionTable: zh, literalExpression: zh, boxedExpression: zh });
  }
};
