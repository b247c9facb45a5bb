// Picket's own ESLint rules for device code (ARCHITECTURE.md "XS-clean").
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

export default {
  meta: { name: "picket" },
  rules: { "no-top-level-mutable-state": noTopLevelMutableState },
};
