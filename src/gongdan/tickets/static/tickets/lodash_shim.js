/* The two lodash functions cytoscape-edgehandles's browser build reads from window._ (it declares
   lodash.memoize and lodash.throttle as externals). Only what it uses: one-argument memoize, trailing throttle. */
(function () {
  "use strict";
  var lodash = window._ || {};
  lodash.memoize = lodash.memoize || function (fn) {
    var cache = new Map();
    var memo = function (key) {
      if (!cache.has(key)) { cache.set(key, fn.apply(this, arguments)); }
      return cache.get(key);
    };
    memo.cache = cache;
    return memo;
  };
  lodash.throttle = lodash.throttle || function (fn, wait) {
    var last = 0, timer = null;
    var throttled = function () {
      var now = Date.now(), self = this, args = arguments;
      if (now - last >= wait) { last = now; fn.apply(self, args); return; }
      clearTimeout(timer);
      timer = setTimeout(function () { last = Date.now(); fn.apply(self, args); }, wait - (now - last));
    };
    throttled.cancel = function () { clearTimeout(timer); };
    return throttled;
  };
  window._ = lodash;
})();
