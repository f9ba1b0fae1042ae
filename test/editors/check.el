;;; check.el --- Emacs + Eglot against the real irqd server  -*- lexical-binding: t -*-
;; Run: IRQD_SERVER=dist/server.js IRQD_FILE=test/editors/scenario.irqd emacs --batch -l check.el
;; Exits 0 when every check passes, 1 when one fails (the message says which).
;; Eglot 1.9 has no code lens UI, so lenses and commands go as raw requests.
(require 'eglot)
(require 'flymake)

(defvar irqd-server (getenv "IRQD_SERVER"))
(defvar irqd-file (getenv "IRQD_FILE"))

(defun irqd-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun irqd-ok (fmt &rest args)
  (princ (concat "ok: " (apply #'format fmt args) "\n")))

(define-derived-mode irqd-mode prog-mode "irqd")
(add-to-list 'auto-mode-alist '("\\.irqd\\'" . irqd-mode))
(add-to-list 'eglot-server-programs `(irqd-mode "node" ,irqd-server "--stdio"))
(setq eglot-sync-connect 10
      flymake-no-changes-timeout nil)

(condition-case err
    (progn
      (find-file irqd-file)
      (apply #'eglot (eglot--guess-contact))
      (let ((server (eglot-current-server))
            (deadline (+ (float-time) 10)))
        (unless server (irqd-fail "no Eglot server"))
        ;; Diagnostics arrive as Flymake reports.
        (flymake-mode 1)
        (while (and (< (float-time) deadline) (null (flymake-diagnostics)))
          (flymake-start)
          (accept-process-output nil 0.1))
        (let ((diags (flymake-diagnostics)))
          (unless diags (irqd-fail "no diagnostics"))
          (let* ((d (car diags))
                 (line (line-number-at-pos (flymake-diagnostic-beg d)))
                 (text (flymake-diagnostic-text d)))
            (unless (and (= line 11) (string-match-p "not 0x23" text))
              (irqd-fail "unexpected diagnostic on line %d: %s" line text))
            (irqd-ok "diagnostic on line 11: %s" text)))
        (let* ((uri (eglot--path-to-uri irqd-file))
               (hover (jsonrpc-request server :textDocument/hover
                                       `(:textDocument (:uri ,uri) :position (:line 9 :character 3))))
               (value (plist-get (plist-get hover :contents) :value)))
          (unless (and value (string-match-p "message: 0xFEE02004 / 0x00000022" value))
            (irqd-fail "hover lacks the message: %S" value))
          (irqd-ok "hover shows the composed message")
          (let* ((lenses (jsonrpc-request server :textDocument/codeLens `(:textDocument (:uri ,uri))))
                 (titles (mapcar (lambda (l) (plist-get (plist-get l :command) :title)) lenses)))
            (unless (member "Step (0/3)" titles) (irqd-fail "lenses: %S" titles))
            (irqd-ok "lenses: %S" titles))
          (let ((step (jsonrpc-request server :workspace/executeCommand
                                       `(:command "irqd.server.stepScenario" :arguments [,uri 0]))))
            (unless (equal (plist-get step :step) 1) (irqd-fail "step: %S" step))
            (let* ((lenses (jsonrpc-request server :textDocument/codeLens `(:textDocument (:uri ,uri))))
                   (titles (mapcar (lambda (l) (plist-get (plist-get l :command) :title)) lenses)))
              (unless (member "Step (1/3)" titles) (irqd-fail "after step: %S" titles))
              (irqd-ok "Step moved the lenses: %S" titles))))
        (ignore-errors (eglot-shutdown server))
        (kill-emacs 0)))
  (error (irqd-fail "error: %S" err)))
