/* global module */
'use strict';
// Node-RED loads node files with require(). The node types are defined in ../gateway-nodes.ts;
// the gateway passes them in its Node-RED settings, bound to the running gateway's services.
module.exports = function (RED) {
  const register = RED.settings.gatewayNodeTypes;
  if (typeof register !== 'function') throw new Error('the gateway nodes run only inside the gateway');
  register(RED);
};
