-- Neovim 0.7 as a real LSP client of `csflow lsp`: attach to the file given on the command
-- line, print every diagnostic published for it (line:col code message), quit. Exits 1 if
-- nothing arrives in 20 s. Run by scripts/ci.d/lsp.check.sh:
--   CSFLOW_BIN=target/debug/csflow nvim --headless --clean -u nvim_client.lua FILE.csflow
local file = vim.fn.expand('%:p')
local root = vim.fn.fnamemodify(file, ':h')
local buffer = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'csflow',
  cmd = { os.getenv('CSFLOW_BIN') or 'csflow', 'lsp' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'workspace' } },
  handlers = {
    ['textDocument/publishDiagnostics'] = function(_, result)
      if result.uri ~= vim.uri_from_bufnr(buffer) or #result.diagnostics == 0 then
        return
      end
      for _, d in ipairs(result.diagnostics) do
        local first_line = d.message:gsub('\n.*', '')
        io.stdout:write(string.format('%d:%d %s %s\n', d.range.start.line + 1,
          d.range.start.character, d.code, first_line))
      end
      io.stdout:flush()
      vim.cmd('qa!')
    end,
  },
})
if not client_id then
  io.stderr:write('could not start csflow lsp\n')
  vim.cmd('cq')
end
vim.lsp.buf_attach_client(buffer, client_id)
vim.defer_fn(function()
  io.stderr:write('no diagnostics within 20 s\n')
  vim.cmd('cq')
end, 20000)
