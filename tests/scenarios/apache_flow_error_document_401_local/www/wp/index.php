front controller
