// The irqd debug adapter's entry point (dist/debug-adapter.js): speaks the
// Debug Adapter Protocol over stdin and stdout. VS Code starts it for a
// launch configuration of type `irqd` (package.json contributes.debuggers).
import { DebugSession } from '@vscode/debugadapter';
import { IrqdDebugSession } from './session.js';

DebugSession.run(IrqdDebugSession);
