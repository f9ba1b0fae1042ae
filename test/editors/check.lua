-- Headless Neovim (0.7+) against the real irqd server: diagnostics, hover,
-- code lenses and a lens command. Exits 0 when every check passes, 1 when one
-- fails (the message says which), so a broken server fails the test.
local server = assert(os.getenv('IRQD_SERVER'), 'IRQD_SERVER')
local file = assert(os.getenv('IRQD_FILE'), 'IRQD_FILE')

local function fail(msg)
  io.stderr:write('FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local function pass(msg)
  io.stdout:write('ok: ' .. msg .. '\n')
end

vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = 'irqd'
local client_id = vim.lsp.start_client({ name = 'irqd', cmd = { 'node', server, '--stdio' }, root_dir = vim.fn.getcwd() })
if not client_id then fail('the server did not start') end
vim.lsp.buf_attach_client(buf, client_id)
local uri = vim.uri_from_bufnr(buf)

-- Diagnostics: the false expectation on line 11 (0-based 10).
if not vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then fail('no diagnostics') end
local d = vim.diagnostic.get(buf)[1]
if d.lnum ~= 10 or d.code ~= 'IRQD034' or not d.message:find('has vector 0x22 on CPU 1, not 0x23', 1, true) then
  fail('unexpected diagnostic: ' .. vim.inspect(d))
end
pass('diagnostic IRQD034 on line 11: ' .. d.message)

-- Hover on the request step: the composed message, decoded.
local res = vim.lsp.buf_request_sync(buf, 'textDocument/hover', { textDocument = { uri = uri }, position = { line = 9, character = 3 } }, 5000)
local value = res and res[client_id] and res[client_id].result and res[client_id].result.contents.value or ''
if not value:find('message: 0xFEE02004 / 0x00000022', 1, true) then fail('hover lacks the message: ' .. value) end
pass('hover shows the composed message')

-- Code lenses, as Neovim renders them (virtual text).
local ns = vim.api.nvim_create_namespace('vim_lsp_codelens:' .. client_id)
local function lens_text()
  local marks = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })
  local texts = {}
  for _, m in ipairs(marks) do
    for _, chunk in ipairs(m[4].virt_text or {}) do table.insert(texts, chunk[1]) end
  end
  return table.concat(texts, ' ')
end
vim.lsp.codelens.refresh()
if not vim.wait(5000, function() return lens_text():find('Step (0/3)', 1, true) ~= nil end, 50) then fail('lenses: ' .. lens_text()) end
if not lens_text():find('Run', 1, true) then fail('no Run lens: ' .. lens_text()) end
pass('lenses: ' .. lens_text())

-- The Step lens's command, executed through the server; the lenses move.
local client = vim.lsp.get_client_by_id(client_id)
local step = client.request_sync('workspace/executeCommand', { command = 'irqd.server.stepScenario', arguments = { uri, 0 } }, 5000, buf)
if not step or not step.result or step.result.step ~= 1 then fail('step: ' .. vim.inspect(step)) end
vim.lsp.codelens.refresh()
if not vim.wait(5000, function() return lens_text():find('Step (1/3)', 1, true) ~= nil end, 50) then fail('after step: ' .. lens_text()) end
if not lens_text():find('step 1/3', 1, true) then fail('no current-step lens: ' .. lens_text()) end
pass('Step moved the lenses: ' .. lens_text())

client.stop()
vim.cmd('cquit 0')
