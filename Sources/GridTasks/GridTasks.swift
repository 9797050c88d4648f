// GridTasks: see the files beside this one.
