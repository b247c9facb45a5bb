import path from "node:path";
// Picket's own ESLint rules for device code (docs/architecture.md "Rules").
//
// no-top-level-mutable-state: Moddable preloads modules and freezes every
// object created at module top level into flash. Mutable state created there
// works on V8 and then fails on the board, so all mutable state must be made
// at run time from the agent's start function.

/** Is `node` an expression whose value is provably immutable or primitive? */
function isImmutableInit(node) {
  if (node === null || node === undefined) return true;
  switch (node.type) {
    case "Literal":
    case "TemplateLiteral":
    case "ArrowFunctionExpression":
    case "FunctionExpression":
    case "ClassExpression":
    case "Identifier":
    case "MemberExpression":
    case "UnaryExpression":
    case "BinaryExpression":
    case "LogicalExpression":
      return true;
    case "TSAsExpression":
    case "TSSatisfiesExpression":
    case "TSTypeAssertion":
    case "TSNonNullExpression":
      return isImmutableInit(node.expression);
    case "ConditionalExpression":
      return isImmutableInit(node.consequent) && isImmutableInit(node.alternate);
    case "CallExpression":
      // Object.freeze(...) is the sanctioned way to build module-level tables.
      // Other calls are allowed (their result cannot be judged syntactically),
      // but `new` expressions and bare literals are not.
      return true;
    case "ArrayExpression":
    case "ObjectExpression":
    case "NewExpression":
      return false;
    default:
      return true;
  }
}

function isFreezeCall(node) {
  return (
    node &&
    node.type === "CallExpression" &&
    node.callee.type === "MemberExpression" &&
    node.callee.object.type === "Identifier" &&
    node.callee.object.name === "Object" &&
    node.callee.property.type === "Identifier" &&
    node.callee.property.name === "freeze"
  );
}

const noTopLevelMutableState = {
  meta: {
    type: "problem",
    docs: { description: "forbid mutable state created at module top level (Moddable preload freezes it)" },
    schema: [],
    messages: {
      letVar: "Module-level `{{kind}}` is mutable state; create state at run time from the agent's start function.",
      mutableInit:
        "Module-level `{{name}}` holds a mutable {{what}}; wrap it in Object.freeze(...) or create it at run time.",
      assignment: "Module-level assignment mutates shared state; do it at run time.",
    },
  },
  create(context) {
    function checkDeclaration(decl) {
      if (decl.type !== "VariableDeclaration") return;
      if (decl.kind !== "const") {
        context.report({ node: decl, messageId: "letVar", data: { kind: decl.kind } });
        return;
      }
      for (const d of decl.declarations) {
        const init = d.init;
        if (isFreezeCall(init)) continue;
        if (!isImmutableInit(init)) {
          const what = init.type === "NewExpression" ? "object (new)" : init.type === "ArrayExpression" ? "array" : "object";
          const name = d.id.type === "Identifier" ? d.id.name : "binding";
          context.report({ node: d, messageId: "mutableInit", data: { name, what } });
        }
      }
    }
    return {
      Program(program) {
        for (const statement of program.body) {
          if (statement.type === "VariableDeclaration") checkDeclaration(statement);
          else if (
            (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") &&
            statement.declaration
          ) {
            checkDeclaration(statement.declaration);
          } else if (statement.type === "ExpressionStatement" && statement.expression.type === "AssignmentExpression") {
            context.report({ node: statement, messageId: "assignment" });
          }
        }
      },
    };
  },
};


// layer-imports: the layers of docs/architecture.md, by top-level folder of
// the importing file and of the module a relative import resolves to:
// core/ imports only core/; hal/ imports no agent/ or host-sim/; nothing
// outside test/ imports test/. Bare specifiers (packages, Moddable modules)
// are other rules' business.
const LAYER_RULES = Object.freeze([
  { from: "core", allows: (to) => to === "core", says: "core/ imports only core/" },
  { from: "hal", allows: (to) => to !== "agent" && to !== "host-sim" && to !== "test", says: "hal/ imports no agent/, host-sim/ or test/" },
]);

const layerImports = {
  meta: {
    type: "problem",
    docs: { description: "keep the layers: core imports only core, hal no agent/host-sim, nothing outside test imports test" },
    schema: [],
    messages: { layer: "Layer rule: {{rule}} ({{file}} imports {{target}})." },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const root = context.cwd ?? process.cwd();
    const relative = path.relative(root, filename).split(path.sep).join("/");
    if (relative.startsWith("..")) return {};
    const fromTop = relative.split("/")[0];
    function check(node, source) {
      if (!source || typeof source.value !== "string" || !source.value.startsWith(".")) return;
      const target = path.relative(root, path.resolve(path.dirname(filename), source.value)).split(path.sep).join("/");
      const toTop = target.split("/")[0];
      for (const rule of LAYER_RULES) {
        if (rule.from === fromTop && !rule.allows(toTop)) context.report({ node, messageId: "layer", data: { rule: rule.says, file: relative, target } });
      }
      if (fromTop !== "test" && toTop === "test") context.report({ node, messageId: "layer", data: { rule: "nothing outside test/ imports test/", file: relative, target } });
    }
    return {
      ImportDeclaration(node) {
        check(node, node.source);
      },
      ExportNamedDeclaration(node) {
        check(node, node.source);
      },
      ExportAllDeclaration(node) {
        check(node, node.source);
      },
      ImportExpression(node) {
        if (node.source.type === "Literal") check(node, node.source);
      },
    };
  },
};

export default {
  meta: { name: "picket" },
  rules: { "no-top-level-mutable-state": noTopLevelMutableState, "layer-imports": layerImports },
};
