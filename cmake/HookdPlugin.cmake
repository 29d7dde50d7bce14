function(hookd_add_plugin)
endfunction()
