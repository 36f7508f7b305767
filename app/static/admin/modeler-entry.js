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
import zhCNTranslate from './zh-cn-translate.js';

window.LcBpmn = {
  Viewer: NavigatedViewer,
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
    return new DmnModeler({ container, common: { additionalModules: [zhCNTranslate] } });
  }
};
